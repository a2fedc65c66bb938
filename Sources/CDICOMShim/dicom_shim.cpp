// CDICOMShim over DCMTK: see include/dicom_shim.h. Every extern "C" body catches every exception.
#include "dicom_shim.h"
#include "dicom_shim_internal.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcfcache.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>


namespace {

std::once_flag setupOnce;

/// Registers DCMTK's IJG JPEG 8/12/16-bit and CharLS JPEG-LS decoders (not RLE: its decoder crashes on damaged
/// data, medprep decodes RLE itself) and turns DCMTK's logging off.
void setup() {
    std::call_once(setupOnce, [] {
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

void copyString(const std::string &value, char *out, size_t capacity) {
    if (capacity == 0) return;
    size_t count = value.size() < capacity - 1 ? value.size() : capacity - 1;
    std::memcpy(out, value.data(), count);
    out[count] = '\0';
}

std::string trimmed(const OFString &value) {
    std::string text(value.c_str());
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    size_t last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

/// Reads up to `capacity` numbers of `element` (any VR DCMTK can print as text); the count read.
int numbersOf(DcmElement *element, double *out, int capacity) {
    unsigned long count = element->getVM();
    int read = 0;
    for (unsigned long position = 0; position < count && read < capacity; ++position) {
        OFString text;
        if (element->getOFString(text, position, OFTrue).bad()) break;
        std::string value = trimmed(text);
        if (value.empty()) break;
        char *end = nullptr;
        double number = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') break;
        out[read++] = number;
    }
    return read;
}

/// The attribute `tag` inside item 0 of sequence `sequence` of `item`, nil if absent.
DcmElement *nested(DcmItem *item, const DcmTagKey &sequence, const DcmTagKey &tag) {
    if (item == nullptr) return nullptr;
    DcmItem *inner = nullptr;
    if (item->findAndGetSequenceItem(sequence, inner, 0).bad() || inner == nullptr) return nullptr;
    DcmElement *element = nullptr;
    if (inner->findAndGetElement(tag, element).bad()) return nullptr;
    return element;
}

DcmPixelData *pixelData(DcmDataset *dataset) {
    DcmElement *element = nullptr;
    if (dataset->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) return nullptr;
    return OFstatic_cast(DcmPixelData *, element);
}

/// The encapsulated pixel data's fragment sequence, or nullptr with `dicom->error` set.
DcmPixelSequence *encapsulatedPixels(mp_dicom *dicom) {
    DcmDataset *dataset = dicom->file.getDataset();
    DcmPixelData *pixels = dataset == nullptr ? nullptr : pixelData(dataset);
    if (pixels == nullptr) { dicom->error = "no pixel data"; return nullptr; }
    DcmPixelSequence *sequence = nullptr;
    OFCondition status = pixels->getEncapsulatedRepresentation(dataset->getOriginalXfer(), nullptr, sequence);
    if (status.bad() || sequence == nullptr) { dicom->error = "no encapsulated pixel data"; return nullptr; }
    return sequence;
}


}  // namespace

extern "C" {

int mp_dicom_meta_transfer_syntax(const char *path, char *uid, size_t uid_size, char *name, size_t name_size) {
    try {
        setup();
        if (uid_size == 0 || name_size == 0) return 1;
        uid[0] = '\0';
        name[0] = '\0';
        DcmMetaInfo meta;
        if (meta.loadFile(OFFilename(path)).bad()) return 1;
        OFString value;
        if (meta.findAndGetOFStringArray(DCM_TransferSyntaxUID, value).bad() || value.empty()) return 1;
        std::strncpy(uid, value.c_str(), uid_size - 1);
        uid[uid_size - 1] = '\0';
        std::strncpy(name, DcmXfer(value.c_str()).getXferName(), name_size - 1);
        name[name_size - 1] = '\0';
        return 0;
    } catch (...) {
        return 1;
    }
}

mp_dicom *mp_dicom_open(const char *path, uint64_t max_inflated) {
    mp_dicom *dicom = nullptr;
    try {
        setup();
        dicom = new (std::nothrow) mp_dicom();
        if (dicom == nullptr) return nullptr;
        DcmMetaInfo meta;
        OFString syntax;
        if (meta.loadFile(OFFilename(path)).good() && meta.findAndGetOFString(DCM_TransferSyntaxUID, syntax).good()
            && trimmed(syntax) == mp_shim::deflatedSyntax) {
            mp_shim::loadDeflated(dicom, path, max_inflated);
            return dicom;
        }
        OFCondition status = dicom->file.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                                                  ERM_autoDetect);
        if (status.bad()) dicom->error = status.text();
        return dicom;
    } catch (const std::bad_alloc &) {
        if (dicom != nullptr) dicom->error = "out of memory while reading the header";
    } catch (...) {
        if (dicom != nullptr) dicom->error = "DCMTK failed while reading the header";
    }
    return dicom;
}

void mp_dicom_close(mp_dicom *dicom) {
    try {
        delete dicom;
    } catch (...) {
    }
}

int mp_dicom_error_from_checks(const mp_dicom *dicom) {
    return dicom != nullptr && dicom->errorFromChecks ? 1 : 0;
}

const char *mp_dicom_error(const mp_dicom *dicom) {
    return dicom == nullptr ? "out of memory" : dicom->error.c_str();
}

int mp_dicom_image_info(mp_dicom *dicom, mp_dicom_image *image) {
    try {
        std::memset(image, 0, sizeof *image);
        DcmDataset *dataset = dicom->file.getDataset();
        if (dataset == nullptr) { dicom->error = "no dataset"; return 1; }
        Uint16 value = 0;
        if (dataset->findAndGetUint16(DCM_Rows, value).good()) image->rows = value;
        if (dataset->findAndGetUint16(DCM_Columns, value).good()) image->columns = value;
        image->samples_per_pixel = dataset->findAndGetUint16(DCM_SamplesPerPixel, value).good() ? value : 1;
        if (dataset->findAndGetUint16(DCM_BitsAllocated, value).good()) image->bits_allocated = value;
        if (dataset->findAndGetUint16(DCM_BitsStored, value).good()) image->bits_stored = value;
        if (dataset->findAndGetUint16(DCM_HighBit, value).good()) image->high_bit = value;
        if (dataset->findAndGetUint16(DCM_PixelRepresentation, value).good()) image->pixel_representation = value;
        if (dataset->findAndGetUint16(DCM_PlanarConfiguration, value).good()) image->planar_configuration = value;
        image->number_of_frames = 1;
        OFString text;
        if (dataset->findAndGetOFString(DCM_NumberOfFrames, text).good()) {
            std::string frames = trimmed(text);
            char *end = nullptr;
            long long count = std::strtoll(frames.c_str(), &end, 10);
            image->number_of_frames = frames.empty() ? 1 : (*end == '\0' ? count : -1);
        }
        if (dataset->findAndGetOFString(DCM_PhotometricInterpretation, text).good()) {
            copyString(trimmed(text), image->photometric, sizeof image->photometric);
        }
        // The meta header's UID as written (it may name a syntax DCMTK does not know), else the dataset's.
        std::string syntax;
        DcmMetaInfo *meta = dicom->file.getMetaInfo();
        if (meta != nullptr && meta->findAndGetOFString(DCM_TransferSyntaxUID, text).good()) syntax = trimmed(text);
        E_TransferSyntax original = dataset->getOriginalXfer();
        if (syntax.empty()) syntax = DcmXfer(original).getXferID();
        copyString(syntax, image->transfer_syntax, sizeof image->transfer_syntax);
        copyString(DcmXfer(syntax.c_str()).getXferName(), image->transfer_syntax_name,
                   sizeof image->transfer_syntax_name);
        DcmPixelData *pixels = pixelData(dataset);
        image->has_pixel_data = pixels != nullptr;
        if (pixels != nullptr) {
            image->encapsulated = DcmXfer(original).isEncapsulated() ? 1 : 0;
            if (!image->encapsulated) image->pixel_data_length = pixels->getLength();
        }
        return 0;
    } catch (...) {
        dicom->error = "DCMTK failed while reading the image attributes";
        return 1;
    }
}

int mp_dicom_string(mp_dicom *dicom, uint16_t group, uint16_t element, char *out, size_t capacity) {
    try {
        if (capacity > 0) out[0] = '\0';
        DcmItem *item = group == 0x0002 ? static_cast<DcmItem *>(dicom->file.getMetaInfo())
                                         : static_cast<DcmItem *>(dicom->file.getDataset());
        OFString text;
        if (item == nullptr || item->findAndGetOFStringArray(DcmTagKey(group, element), text).bad()) return 0;
        std::string value = trimmed(text);
        copyString(value, out, capacity);
        return value.empty() ? 0 : 1;
    } catch (...) {
        dicom->error = "DCMTK failed while reading an attribute";
        return -1;
    }
}

int mp_dicom_numbers(mp_dicom *dicom, int64_t frame, uint16_t sequence_group, uint16_t sequence_element,
                     uint16_t group, uint16_t element, double *out, int capacity) {
    try {
        DcmDataset *dataset = dicom->file.getDataset();
        if (dataset == nullptr) return 0;
        DcmTagKey tag(group, element);
        DcmElement *found = nullptr;
        if (frame >= 0 && (sequence_group != 0 || sequence_element != 0)) {
            DcmTagKey sequence(sequence_group, sequence_element);
            DcmItem *perFrame = nullptr;
            if (dataset->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, perFrame,
                                                OFstatic_cast(signed long, frame)).good()) {
                found = nested(perFrame, sequence, tag);
            }
            if (found == nullptr) {
                DcmItem *shared = nullptr;
                if (dataset->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good()) {
                    found = nested(shared, sequence, tag);
                }
            }
        }
        if (found == nullptr && dataset->findAndGetElement(tag, found).bad()) return 0;
        return found == nullptr ? 0 : numbersOf(found, out, capacity);
    } catch (...) {
        dicom->error = "DCMTK failed while reading a numeric attribute";
        return -1;
    }
}

int64_t mp_dicom_per_frame_items(mp_dicom *dicom) {
    try {
        DcmDataset *dataset = dicom->file.getDataset();
        DcmSequenceOfItems *sequence = nullptr;
        if (dataset == nullptr || dataset->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, sequence).bad()
            || sequence == nullptr) {
            return 0;
        }
        return OFstatic_cast(int64_t, sequence->card());
    } catch (...) {
        return 0;
    }
}

int64_t mp_dicom_fragment_count(mp_dicom *dicom) {
    try {
        DcmPixelSequence *sequence = encapsulatedPixels(dicom);
        if (sequence == nullptr) return -1;
        unsigned long items = sequence->card();
        return items == 0 ? 0 : OFstatic_cast(int64_t, items - 1);
    } catch (...) {
        dicom->error = "DCMTK failed while reading the pixel data fragments";
        return -1;
    }
}

int64_t mp_dicom_frame_bytes(mp_dicom *dicom, uint32_t frame, uint32_t frames, void *buffer, uint64_t size) {
    try {
        DcmPixelSequence *sequence = encapsulatedPixels(dicom);
        if (sequence == nullptr) return -1;
        unsigned long items = sequence->card();
        unsigned long fragments = items == 0 ? 0 : items - 1;
        if (frames == 0 || frame >= frames || fragments == 0) { dicom->error = "no fragment for the frame"; return -1; }
        unsigned long first = 0, last = 0;  // fragment indices [first, last), item = fragment + 1
        if (frames == 1) {
            first = 0; last = fragments;
        } else if (fragments == frames) {
            first = frame; last = frame + 1;
        } else {
            DcmPixelItem *table = nullptr;
            Uint8 *offsets = nullptr;
            if (sequence->getItem(table, 0).bad() || table == nullptr || table->getLength() != 4ul * frames
                || table->getUint8Array(offsets).bad() || offsets == nullptr) {
                dicom->error = std::to_string(fragments) + " fragments for " + std::to_string(frames) +
                    " frames and no basic offset table with one offset per frame";
                return -1;
            }
            uint64_t position = 0;
            bool foundFirst = false, foundLast = frame + 1 == frames;
            uint32_t start = mp_shim::littleEndian32(offsets + 4 * frame);
            uint32_t end = foundLast ? 0 : mp_shim::littleEndian32(offsets + 4 * (frame + 1));
            if (!foundLast && end <= start) { dicom->error = "the basic offset table does not increase"; return -1; }
            for (unsigned long fragment = 0; fragment < fragments; ++fragment) {
                DcmPixelItem *item = nullptr;
                if (sequence->getItem(item, fragment + 1).bad() || item == nullptr) { dicom->error = "missing fragment"; return -1; }
                if (position == start) { first = fragment; foundFirst = true; }
                if (!foundLast && position == end) { last = fragment; foundLast = true; break; }
                position += 8 + uint64_t(item->getLength());
            }
            if (frame + 1 == frames) last = fragments;
            if (!foundFirst || !foundLast || last <= first) {
                dicom->error = "the basic offset table's offsets for frame " + std::to_string(frame + 1) +
                    " are not at fragment starts";
                return -1;
            }
        }
        uint64_t total = 0;
        for (unsigned long fragment = first; fragment < last; ++fragment) {
            DcmPixelItem *item = nullptr;
            if (sequence->getItem(item, fragment + 1).bad() || item == nullptr) { dicom->error = "missing fragment"; return -1; }
            uint64_t length = item->getLength();
            if (buffer != nullptr) {
                if (length > size - total) { dicom->error = "frame buffer too small"; return -1; }
                Uint8 *data = nullptr;
                if (length > 0) {
                    if (item->getUint8Array(data).bad() || data == nullptr) {
                        dicom->error = "cannot read fragment " + std::to_string(fragment + 1);
                        return -1;
                    }
                    std::memcpy(static_cast<unsigned char *>(buffer) + total, data, length);
                }
            }
            total += length;
        }
        return OFstatic_cast(int64_t, total);
    } catch (const std::bad_alloc &) {
        dicom->error = "out of memory while reading the compressed frame";
        return -1;
    } catch (...) {
        dicom->error = "DCMTK failed while reading the compressed frame";
        return -1;
    }
}

uint64_t mp_dicom_frame_size(mp_dicom *dicom) {
    try {
        DcmDataset *dataset = dicom->file.getDataset();
        DcmPixelData *pixels = dataset == nullptr ? nullptr : pixelData(dataset);
        if (pixels == nullptr) { dicom->error = "no pixel data"; return 0; }
        Uint32 size = 0;
        OFCondition status = pixels->getUncompressedFrameSize(dataset, size);
        if (status.bad()) { dicom->error = status.text(); return 0; }
        return size;
    } catch (...) {
        dicom->error = "DCMTK failed while computing the frame size";
        return 0;
    }
}

int mp_dicom_decode_frame(mp_dicom *dicom, uint32_t frame, void *buffer, uint64_t size, char *color_model) {
    try {
        color_model[0] = '\0';
        DcmDataset *dataset = dicom->file.getDataset();
        DcmPixelData *pixels = dataset == nullptr ? nullptr : pixelData(dataset);
        if (pixels == nullptr) { dicom->error = "no pixel data"; return 1; }
        if (size > 0xFFFFFFFEull) { dicom->error = "frame buffer over 4 GB"; return 1; }
        if (frame != dicom->nextFrame) dicom->nextFragment = 0;
        OFString model;
        OFCondition status = pixels->getUncompressedFrame(dataset, frame, dicom->nextFragment, buffer,
                                                          OFstatic_cast(Uint32, size), model, &dicom->cache);
        if (status.bad()) {
            dicom->error = status.text();
            dicom->nextFragment = 0;
            return 1;
        }
        dicom->nextFrame = frame + 1;
        copyString(trimmed(model), color_model, 32);
        return 0;
    } catch (const std::bad_alloc &) {
        dicom->error = "out of memory while decoding";
        return 1;
    } catch (...) {
        dicom->error = "DCMTK failed while decoding";
        return 1;
    }
}

}  // extern "C"
