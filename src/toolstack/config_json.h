/* A domain_config as JSON: how xm hands a parsed config to xend and how
 * xend keeps it in its state files. */
#ifndef XENO_TOOLSTACK_CONFIG_JSON_H
#define XENO_TOOLSTACK_CONFIG_JSON_H

#include <json-c/json.h>

#include "config.h"

json_object *config_to_json(const struct domain_config *cfg);
/* Strict: wrong types, unknown fields and invalid values are errors. */
int config_from_json(json_object *obj, struct domain_config *out, char *err,
                     size_t errlen);

/* One disk: {"kind","target","vdev","writable","cdrom"} (as in "disks"). */
json_object *config_disk_to_json(const struct cfg_disk *d);
int config_disk_from_json(json_object *obj, struct cfg_disk *out, char *err,
                          size_t errlen);

#endif
