/* libFuzzer target: a config file and one command-line variable (the
 * first line of the input is the value of vmid), and the same bytes as a
 * JSON config, as xend receives it over HTTP. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_json.h"

static void json_config(const uint8_t *data, size_t size)
{
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *o = tok ? json_tokener_parse_ex(tok, (const char *)data, (int)size) : NULL;
    struct domain_config c;
    char err[256];
    if (o && config_from_json(o, &c, err, sizeof(err)) == 0) {
        json_object *back = config_to_json(&c);
        json_object_put(back);
        config_free(&c);
    }
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    json_config(data, size);
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t vlen = nl ? (size_t)(nl - text) : 0;
    char value[64];
    if (vlen >= sizeof(value))
        vlen = sizeof(value) - 1;
    memcpy(value, text, vlen);
    value[vlen] = '\0';
    struct cfg_var var = { "vmid", value };
    struct domain_config c;
    struct cfg_diag d;
    if (config_parse("fuzz.cfg", text, size, &var, memchr(value, 0, vlen) ? 0 : 1,
                     &c, &d) == 0) {
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            config_dump(&c, f);
            fclose(f);
        }
        struct domain_config copy;
        if (config_copy(&copy, &c) == 0)
            config_free(&copy);
        config_free(&c);
    }
    return 0;
}
