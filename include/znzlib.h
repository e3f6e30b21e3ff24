/* znzlib.h: nifticlib's <nifti/nifti1_io.h> includes <znzlib.h> as if /usr/include/nifti were
   on the include path; this forwards it, so the build needs no extra -I flag. */
#include <nifti/znzlib.h>
