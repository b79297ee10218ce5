/* libFuzzer target: a config file and one command-line variable.  The
 * first line of the input is the variable's value (vmid=<line>). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
