/* hfconfig_int.h: private to inventory/: a model config as a JSON object plus a way
 * to find where each key was written (YAML node positions or JSON text). */
#ifndef FEDPLAN_HFCONFIG_INT_H
#define FEDPLAN_HFCONFIG_INT_H

#include <jansson.h>

#include "../common/fperror.h"
#include "../estimator/estimator.h"
#include "ydoc.h"

typedef struct cfg_src {
    const char *file;
    const json_t *obj;
    const ynode *ymap; /* when the config came from YAML */
    const char *text;  /* when it came from JSON text */
    size_t len;
} cfg_src;

int inv_arch_from_src(const cfg_src *src, est_arch *a, fp_error *err);

#endif
