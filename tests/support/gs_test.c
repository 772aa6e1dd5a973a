/* SPDX-License-Identifier: MIT */
/* Shared test helpers. */
#include "gs_test.h"

#include "gs_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
