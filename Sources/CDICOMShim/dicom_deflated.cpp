// CDICOMShim: the Deflated Explicit VR Little Endian transfer syntax (PS3.5 A.5). DCMTK inflates such files itself
// but allocates whatever lengths the inflated dataset declares, so the dataset is inflated here under a bound and
// every declared length is walked before DCMTK parses it from memory.
#include "dicom_shim_internal.hpp"

#include <dcmtk/dcmdata/dcistrmb.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <zlib.h>

namespace {

using mp_shim::littleEndian32;

/// The offset just past the file meta group (0002) of a Part-10 file held in `data`, 0 if it is not one. The meta
/// group is always Explicit VR Little Endian; each element is bounded by the bytes held.
size_t metaGroupEnd(const std::vector<unsigned char> &data) {
    if (data.size() < 132 || std::memcmp(data.data() + 128, "DICM", 4) != 0) return 0;
    size_t offset = 132;
    while (offset + 8 <= data.size()) {
        const unsigned char *at = data.data() + offset;
        if ((at[0] | (at[1] << 8)) != 0x0002) return offset;
        std::string vr(reinterpret_cast<const char *>(at + 4), 2);
        static const char *const longVRs[] = {"OB", "OW", "OF", "OD", "OL", "OV", "SQ", "UT", "UN", "UC", "UR", "SV", "UV"};
        bool isLong = false;
        for (const char *candidate : longVRs) isLong = isLong || vr == candidate;
        uint64_t length, header;
        if (isLong) {
            if (offset + 12 > data.size()) return 0;
            length = uint64_t(at[8]) | uint64_t(at[9]) << 8 | uint64_t(at[10]) << 16 | uint64_t(at[11]) << 24;
            header = 12;
        } else {
            length = uint64_t(at[6]) | uint64_t(at[7]) << 8;
            header = 8;
        }
        if (length > data.size() - offset - header) return 0;
        offset += header + length;
    }
    return offset <= data.size() ? offset : 0;
}

/// Reads the whole file, refusing one larger than `limit` bytes.
bool readFile(const char *path, uint64_t limit, std::vector<unsigned char> &out, std::string &error) {
    FILE *file = std::fopen(path, "rb");
    if (file == nullptr) { error = "cannot open the file"; return false; }
    unsigned char chunk[65536];
    size_t count;
    while ((count = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (out.size() + count > limit) {
            std::fclose(file);
            error = "the deflated file is larger than the inflated size allowed (" + std::to_string(limit) + " bytes)";
            return false;
        }
        out.insert(out.end(), chunk, chunk + count);
    }
    bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed) error = "cannot read the file";
    return !failed;
}

/// Inflates the raw deflate stream `input` (no zlib header, PS3.5 A.5) into `out`, growing it as needed and failing
/// once it would exceed `limit` bytes or when the stream is damaged or ends early.
bool inflateBounded(const unsigned char *input, size_t size, uint64_t limit, std::vector<unsigned char> &out,
                    std::string &error) {
    z_stream stream;
    std::memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) { error = "zlib cannot start inflating"; return false; }
    stream.next_in = const_cast<unsigned char *>(input);
    stream.avail_in = OFstatic_cast(uInt, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : size);
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        if (out.size() >= limit) {
            inflateEnd(&stream);
            error = "the deflated dataset inflates beyond " + std::to_string(limit) +
                    " bytes (the voxel cap plus a header allowance)";
            return false;
        }
        size_t used = out.size();
        size_t grow = std::min<uint64_t>(std::max<size_t>(used, size_t(1) << 16), limit - used);
        out.resize(used + grow);
        stream.next_out = out.data() + used;
        stream.avail_out = OFstatic_cast(uInt, grow);
        status = inflate(&stream, Z_NO_FLUSH);
        out.resize(used + grow - stream.avail_out);
        if (status == Z_BUF_ERROR && stream.avail_in == 0) status = Z_DATA_ERROR;
        if (status != Z_OK && status != Z_STREAM_END) {
            inflateEnd(&stream);
            error = status == Z_DATA_ERROR && stream.avail_in == 0
                ? "the deflated dataset ends before its deflate stream does"
                : std::string("the deflated dataset is damaged (zlib: ") + (stream.msg ? stream.msg : "error") + ")";
            return false;
        }
    }
    inflateEnd(&stream);
    return true;
}

/// Walks an inflated Explicit VR Little Endian dataset and checks every declared length (elements, sequence items,
/// pixel data fragments) against the bytes left after it, before DCMTK reads it: DCMTK allocates a declared length
/// when reading from memory (a 4.7 KB file made it allocate 2.7 GB). Unknown VRs and undefined-length UN elements
/// (implicit VR inside) are refused rather than guessed.
bool checkLengths(const std::vector<unsigned char> &data, std::string &error) {
    static const char *const knownVRs[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB",
                                           "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM",
                                           "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
    static const char *const longVRs[] = {"OB", "OW", "OF", "OD", "OL", "OV", "SQ", "UT", "UN", "UC", "UR", "SV", "UV"};
    size_t offset = 0, size = data.size();
    bool fragments = false;  // inside undefined-length pixel data: items hold bytes, not elements
    auto tagText = [](unsigned group, unsigned element) {
        char text[16];
        std::snprintf(text, sizeof text, "(%04X,%04X)", group & 0xFFFFu, element & 0xFFFFu);
        return std::string(text);
    };
    while (offset < size) {
        if (size - offset < 8) { error = "the inflated dataset ends inside an element header"; return false; }
        const unsigned char *at = data.data() + offset;
        unsigned group = at[0] | at[1] << 8, element = at[2] | at[3] << 8;
        if (group == 0xFFFE) {
            uint32_t length = littleEndian32(at + 4);
            offset += 8;
            if (element == 0xE0DD) { fragments = false; continue; }
            if (element == 0xE00D) continue;
            if (element != 0xE000 || (fragments && length == 0xFFFFFFFFu)) {
                error = "the inflated dataset has a misplaced " + tagText(group, element); return false;
            }
            if (length == 0xFFFFFFFFu) continue;
            if (length > size - offset) {
                error = "an item in the inflated dataset declares " + std::to_string(length) + " bytes, more than the " +
                    std::to_string(size - offset) + " left";
                return false;
            }
            if (fragments) offset += length;
            continue;
        }
        std::string vr(reinterpret_cast<const char *>(at + 4), 2);
        bool known = false, isLong = false;
        for (const char *candidate : knownVRs) known = known || vr == candidate;
        for (const char *candidate : longVRs) isLong = isLong || vr == candidate;
        if (!known) { error = "element " + tagText(group, element) + " of the inflated dataset has no valid VR"; return false; }
        uint64_t length;
        if (isLong) {
            if (size - offset < 12) { error = "the inflated dataset ends inside an element header"; return false; }
            length = littleEndian32(at + 8);
            offset += 12;
        } else {
            length = uint64_t(at[6]) | uint64_t(at[7]) << 8;
            offset += 8;
        }
        if (isLong && length == 0xFFFFFFFFu) {
            if (vr == "UN") { error = "element " + tagText(group, element) + " is UN of undefined length, not read in a deflated dataset"; return false; }
            if (vr != "SQ") fragments = true;
            continue;
        }
        if (length > size - offset) {
            error = "element " + tagText(group, element) + " of the inflated dataset declares " + std::to_string(length) +
                " bytes, more than the " + std::to_string(size - offset) + " left";
            return false;
        }
        if (vr != "SQ") offset += length;
    }
    return true;
}

}  // namespace

namespace mp_shim {

const char *const deflatedSyntax = "1.2.840.10008.1.2.1.99";

void loadDeflated(mp_dicom *dicom, const char *path, uint64_t limit) {
    std::vector<unsigned char> file;
    auto refuse = [dicom] { dicom->errorFromChecks = true; };
    if (!readFile(path, limit, file, dicom->error)) return refuse();
    size_t start = metaGroupEnd(file);
    if (start == 0) { dicom->error = "the file meta information is damaged"; return refuse(); }
    OFCondition status = dicom->file.getMetaInfo()->loadFile(OFFilename(path));
    if (status.bad()) { dicom->error = status.text(); return; }
    std::vector<unsigned char> inflated;
    if (!inflateBounded(file.data() + start, file.size() - start, limit, inflated, dicom->error)) return refuse();
    std::vector<unsigned char>().swap(file);
    if (!checkLengths(inflated, dicom->error)) return refuse();
    DcmInputBufferStream stream;
    stream.setBuffer(inflated.data(), OFstatic_cast(offile_off_t, inflated.size()));
    stream.setEos();
    DcmDataset *dataset = dicom->file.getDataset();
    dataset->transferInit();
    status = dataset->read(stream, EXS_LittleEndianExplicit, EGL_noChange, DCM_MaxReadLength);
    dataset->transferEnd();
    stream.releaseBuffer();
    if (status == EC_StreamNotifyClient) dicom->error = "premature end of the inflated dataset";
    else if (status.bad()) dicom->error = status.text();
}

}  // namespace mp_shim
