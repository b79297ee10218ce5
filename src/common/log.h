/* Logging for xeno's daemons and tools: one line per message, to stderr and
 * optionally to a file.  Never exits: callers decide what an error means. */
#ifndef XENO_LOG_H
#define XENO_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_init(const char *prog, enum log_level level);
int log_open_file(const char *path);          /* 0 or -errno */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A finished line to stderr and the log file: async-signal-safe. */
void log_write_raw(const char *line, size_t len);
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
