#include "guest.h"
const char guest_name[] = GUEST_NAME;
void test_main(void) {}
