/* SPDX-License-Identifier: MIT */
/* Shared test helpers. */
#include "gs_test.h"

#include "gs_alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Check gives every test case 4 s unless told otherwise: a timed assertion in disguise, which a
 * loaded machine (a sanitizer build, parallel ctest) fails. Cases that need a bound set their own
 * with tcase_set_timeout; the rest get a generous default. This runs before main, so before any
 * tcase_create reads the variable; a value set by the caller wins. */
__attribute__((constructor)) static void gs_test_default_timeout(void)
{
    setenv("CK_DEFAULT_TIMEOUT", "120", 0);
}

void gs_test_ref_check(const gs_test_ref *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double err = fabs(rows[i].got - rows[i].want);
        double scale = fabs(rows[i].want) > 0 ? fabs(rows[i].want) : 1.0;
        ck_assert_msg(err <= rows[i].rel_tol * scale,
                      "%s: got %.17g, reference %.17g (rel err %.3g)", rows[i].expr, rows[i].got,
                      rows[i].want, err / scale);
    }
}

int gs_test_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const char *gs_test_data(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof(path), "%s/%s", GS_TEST_DATA, rel);
    return path;
}

const char *gs_test_built(const char *rel)
{
    static char path[4096];
    snprintf(path, sizeof(path), "%s/%s", GS_BUILD_DIR, rel);
    return path;
}

char *gs_test_write_temp(const char *suffix, const char *content)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    char *path = gs_xasprintf("%s/gatesim-test-XXXXXX%s", dir, suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    ck_assert_msg(fd >= 0, "mkstemps %s", path);
    size_t n = strlen(content);
    ck_assert_int_eq((long)write(fd, content, n), (long)n);
    close(fd);
    return path;
}
