/* shutdown: SCHEDOP_shutdown with the reason named on the command line
 * ("reason=poweroff|reboot|suspend|crash|watchdog|soft_reset"); the VMM
 * must exit with 0 for poweroff, else 100 + SHUTDOWN_*. */
#include "guest.h"

const char guest_name[] = GUEST_NAME;

static const char *const reasons[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",   [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

void test_main(void)
{
	char want[32];

	if (cmdline_get("reason", want, sizeof(want)) < 0) {
		fail("shutdown_reason", "no reason= on the command line \"%s\"", cmdline());
		finish();
	}
	for (unsigned int r = 0; r < ARRAY_SIZE(reasons); r++) {
		if (strlen(want) == strlen(reasons[r]) && !strncmp(want, reasons[r], 32)) {
			pass("shutdown_cmdline");
			print("shutting down: %s (%u)\n", reasons[r], r);
			shutdown(r);
		}
	}
	fail("shutdown_reason", "unknown reason \"%s\"", want);
	finish();
}
