/* The static files of the UI: a fixed table (no path from the URL reaches
 * open()), each with its type; "/" is index.html. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web.h"

static const struct { const char *url, *file, *type; } files[] = {
    { "/",                  "index.html",        "text/html; charset=utf-8" },
    { "/index.html",        "index.html",        "text/html; charset=utf-8" },
    { "/app.js",            "app.js",            "text/javascript; charset=utf-8" },
    { "/ui.js",             "ui.js",             "text/javascript; charset=utf-8" },
    { "/console.js",        "console.js",        "text/javascript; charset=utf-8" },
    { "/app.css",           "app.css",           "text/css; charset=utf-8" },
    { "/vendor/xterm.js",   "vendor/xterm.js",   "text/javascript; charset=utf-8" },
    { "/vendor/xterm.css",  "vendor/xterm.css",  "text/css; charset=utf-8" },
};

struct MHD_Response *files_response(struct web *w, const char *url,
                                    int *status)
{
    char path[1024];
    struct stat st;
    for (size_t k = 0; k < sizeof(files) / sizeof(*files); k++) {
        if (strcmp(url, files[k].url) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", w->s.www, files[k].file);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        struct MHD_Response *res = MHD_create_response_from_fd(
            (size_t)st.st_size, fd);    /* closes fd */
        if (!res)
            return NULL;
        server_security_headers(res);
        MHD_add_response_header(res, "Content-Type", files[k].type);
        MHD_add_response_header(res, "Cache-Control", "no-cache");
        *status = 200;
        return res;
    }
    return NULL;
}
