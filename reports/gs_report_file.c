/* SPDX-License-Identifier: MIT */
/* Putting reports on disk: atomic writes (temp file + fsync + rename), the report directory, the
 * --format list. Knows file names, not report contents. */
#include "gs_report.h"

#include "gs_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    unsigned bit;
    const char *file;
} report_files[] = {
    {GS_REPORT_JSON, "results.json"},
    {GS_REPORT_JUNIT, "junit.xml"},
    {GS_REPORT_HTML, "report.html"},
    {GS_REPORT_MARKDOWN, "summary.md"},
};

const char *gs_report_file_name(unsigned format)
{
    for (size_t i = 0; i < GS_ARRAY_LEN(report_files); i++)
        if (report_files[i].bit == format)
            return report_files[i].file;
    return NULL;
}

int gs_report_write_file(const char *path, const char *data, size_t len, gs_error *err)
{
    char *tmp = gs_xasprintf("%s.tmp-XXXXXX", path);
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = gs_error_set_errno(err, errno, "cannot create a temporary file for %s", path);
        goto out;
    }
    /* mkstemp makes the file 0600; reports are for reading by others (CI artifacts). */
    if (fchmod(fd, 0644) != 0) {
        rc = gs_error_set_errno(err, errno, "chmod %s", tmp);
        goto fail_fd;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = gs_error_set_errno(err, errno, "write %s", tmp);
            goto fail_fd;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        rc = gs_error_set_errno(err, errno, "fsync %s", tmp);
        goto fail_fd;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = gs_error_set_errno(err, errno, "close %s", tmp);
        goto fail_tmp;
    }
    if (rename(tmp, path) != 0) {
        rc = gs_error_set_errno(err, errno, "rename %s to %s", tmp, path);
        goto fail_tmp;
    }
    goto out;

fail_fd:
    close(fd);
fail_tmp:
    unlink(tmp);
out:
    free(tmp);
    return rc;
}

typedef void (*report_format_fn)(const gs_results *r, gs_buf *out);

static report_format_fn report_formatter(unsigned bit)
{
    switch (bit) {
    case GS_REPORT_JSON:
        return gs_report_json;
    case GS_REPORT_JUNIT:
        return gs_report_junit;
    case GS_REPORT_HTML:
        return gs_report_html;
    case GS_REPORT_MARKDOWN:
        return gs_report_markdown;
    }
    return NULL;
}

int gs_report_write_all(const gs_results *r, const char *dir, unsigned formats, gs_error *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return gs_error_set_errno(err, errno, "cannot create report directory %s", dir);
    for (size_t i = 0; i < GS_ARRAY_LEN(report_files); i++) {
        if (!(formats & report_files[i].bit))
            continue;
        report_format_fn fn = report_formatter(report_files[i].bit);
        if (fn == NULL)
            continue;
        gs_buf b = {0};
        fn(r, &b);
        char *path = gs_xasprintf("%s/%s", dir, report_files[i].file);
        int rc = gs_report_write_file(path, b.data != NULL ? b.data : "", b.len, err);
        free(path);
        gs_buf_clear(&b);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int gs_report_formats_parse(const char *list, unsigned *out, gs_error *err)
{
    static const struct {
        const char *name;
        unsigned bits;
    } names[] = {
        {"json", GS_REPORT_JSON}, {"junit", GS_REPORT_JUNIT}, {"html", GS_REPORT_HTML},
        {"xml", GS_REPORT_JUNIT}, {"md", GS_REPORT_MARKDOWN}, {"markdown", GS_REPORT_MARKDOWN},
        {"all", GS_REPORT_ALL},
    };
    unsigned bits = 0;
    const char *p = list;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        /* Tolerate spaces around entries ("json, html"). */
        const char *s = p;
        size_t len = n;
        while (len > 0 && *s == ' ')
            s++, len--;
        while (len > 0 && s[len - 1] == ' ')
            len--;
        if (len > 0) {
            size_t k = 0;
            for (; k < GS_ARRAY_LEN(names); k++)
                if (strlen(names[k].name) == len && strncmp(names[k].name, s, len) == 0)
                    break;
            if (k == GS_ARRAY_LEN(names))
                return gs_error_set(
                    err, GS_ERR_USAGE,
                    "unknown report format \"%.*s\" (expected json, junit, html, md)", (int)len, s);
            bits |= names[k].bits;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (bits == 0)
        return gs_error_set(err, GS_ERR_USAGE, "no report format given");
    *out = bits;
    return 0;
}
