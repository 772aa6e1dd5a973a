/* SPDX-License-Identifier: MIT */
/* Base64 and base64url (RFC 4648 §4 and §5) over bytes: encoding, and strict decoding that
 * refuses characters outside the alphabet instead of skipping them. Pure: no allocation; the
 * caller sizes the output with the *_len helpers. Used by the gateway for the HTTP2-Settings
 * field of an h2c upgrade (RFC 7540 §3.2.1, base64url without padding). */
#ifndef GS_BASE64_H
#define GS_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes needed to decode |len| characters (an upper bound). */
size_t gs_base64_decoded_max(size_t len);

/* Characters gs_base64_url_encode writes for |len| bytes (no padding, no NUL). */
size_t gs_base64_url_encoded_len(size_t len);

/* Decodes the base64url text |in| (|len| characters: A-Z a-z 0-9 - _, then optionally the '='
 * padding that completes the last quantum) into |out| (|cap| bytes). Returns the number of bytes
 * decoded, GS_ERR_PARSE when |in| is not base64url (a character outside the alphabet, a misplaced
 * or wrong amount of padding, a length that leaves a single character in the last quantum, or
 * non-zero unused bits in the last character), or GS_ERR_RANGE when |cap| is too small. An
 * empty text decodes to 0 bytes. */
ssize_t gs_base64_url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* Encodes |len| bytes of |in| as base64url without padding into |out|, which must have room for
 * gs_base64_url_encoded_len(len) characters. Returns the number written (not NUL-terminated). */
size_t gs_base64_url_encode(const uint8_t *in, size_t len, char *out);

#endif
