#ifndef LAUREL_CYAML_SHIM_H
#define LAUREL_CYAML_SHIM_H
#include <yaml.h>
#endif
