/* nifti2_io.h includes <znzlib.h>, which Debian installs in /usr/include/nifti rather than on the default include
   path. SwiftPM puts this include/ directory on the include path of CNIfTI and of every target that imports it,
   so the include lands here and is forwarded, with no compiler flag in Package.swift. */
#include "/usr/include/nifti/znzlib.h"
