// SPDX-License-Identifier: Apache-2.0
/*
 * json_out.c - JSON string escaping for the shell's JSON modes.
 *
 * Valid UTF-8 is copied as is (only '"', '\\' and control characters are
 * escaped); each byte of an invalid sequence becomes \udcXX, Python's
 * "surrogateescape" convention, so the original bytes can be recovered.
 */
#include "output.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Bytes from @s that need no escaping (plain ASCII and valid UTF-8). */
static size_t plain_run(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c < 0x80)
			break;
		n = utf8_seq(s + i, len - i);
		if (!n)
			break;
		i += n;
	}
	return i;
}

void vg_json_write_string(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	fputc('"', fp);
	while (i < len) {
		size_t run = plain_run(s + i, len - i);
		unsigned char c;

		if (run) { /* whole runs at once: a field is usually one run */
			fwrite(s + i, 1, run, fp);
			i += run;
			continue;
		}
		c = s[i++];
		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else /* not part of valid UTF-8 */
				fprintf(fp, "\\udc%02x", c);
			break;
		}
	}
	fputc('"', fp);
}
