// Private to CDICOMShim: the handle behind `mp_dicom` and the deflated-syntax loader (dicom_deflated.cpp).
#pragma once

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcfcache.h>

#include <cstdint>
#include <string>

struct mp_dicom {
    DcmFileFormat file;
    DcmFileCache cache;
    Uint32 nextFragment = 0;
    Uint32 nextFrame = 0;
    std::string error;
    /// Whether `error` comes from the shim's own checks of a deflated file rather than from DCMTK.
    bool errorFromChecks = false;
};

namespace mp_shim {

extern const char *const deflatedSyntax;

inline uint32_t littleEndian32(const Uint8 *at) {
    return uint32_t(at[0]) | uint32_t(at[1]) << 8 | uint32_t(at[2]) << 16 | uint32_t(at[3]) << 24;
}

/// Loads a Deflated Explicit VR Little Endian file into `dicom`: the meta group through DCMTK, the dataset inflated
/// by zlib (bounded by `limit` bytes), every declared length checked, then parsed by DCMTK from memory. Sets
/// `dicom->error` (and `errorFromChecks` when a check refused it) on failure; never throws past its caller's catch.
void loadDeflated(mp_dicom *dicom, const char *path, uint64_t limit);

}  // namespace mp_shim
