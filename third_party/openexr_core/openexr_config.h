/*
 * blender-gt: stands in for OpenEXR's generated openexr_config.h (which includes
 * cmake-generated headers). blender-gt never links these functions: it looks them
 * up at run time in the openexr package's module (reader/_exrread.c), so
 * EXR_EXPORT declares nothing.
 */
#ifndef OPENEXR_CONF_H
#define OPENEXR_CONF_H
#pragma once

#define EXR_EXPORT

#if defined(__GNUC__) || defined(__clang__)
#    define EXR_PRINTF_FUNC_ATTRIBUTE __attribute__ ((format (printf, 3, 4)))
#else
#    define EXR_PRINTF_FUNC_ATTRIBUTE
#endif

#endif /* OPENEXR_CONF_H */
