// SPDX-License-Identifier: Apache-2.0
/*
 * digest.c - file digests in one pass (see digest.h). OpenSSL picks the
 * CPU's SHA extensions where there are any, which is why hashing here runs
 * several times faster than coreutils' sha256sum.
 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BYTES (1u << 20)
#define N_DIGESTS  3

static const char *const md_names[N_DIGESTS] = { "MD5", "SHA1", "SHA256" };

struct vg_digest {
	EVP_MD *md[N_DIGESTS]; /* NULL: not computed */
	EVP_MD_CTX *ctx[N_DIGESTS];
	unsigned char *buf;
	char hex[N_DIGESTS][2 * EVP_MAX_MD_SIZE + 1];
};

int vg_digest_new(unsigned which, struct vg_digest **out)
{
	struct vg_digest *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->buf = malloc(READ_BYTES);
	if (!d->buf)
		goto fail;
	for (int i = 0; i < N_DIGESTS; i++) {
		if (!(which & (1u << i)))
			continue;
		d->md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
		d->ctx[i] = EVP_MD_CTX_new();
		if (!d->md[i] || !d->ctx[i])
			goto fail;
	}
	*out = d;
	return 0;
fail:
	vg_digest_free(d);
	return -ENOMEM;
}

void vg_digest_free(struct vg_digest *d)
{
	if (!d)
		return;
	for (int i = 0; i < N_DIGESTS; i++) {
		EVP_MD_CTX_free(d->ctx[i]);
		EVP_MD_free(d->md[i]);
	}
	free(d->buf);
	free(d);
}

static void to_hex(const unsigned char *in, unsigned len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int vg_digest_fd(struct vg_digest *d, int fd, uint64_t max_bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	uint64_t total = 0;
	unsigned md_len;
	bool any = false;

	for (int i = 0; i < N_DIGESTS; i++) {
		d->hex[i][0] = '\0';
		if (d->md[i] && !EVP_DigestInit_ex2(d->ctx[i], d->md[i], NULL))
			return -ENOMEM;
		any |= d->md[i] != NULL;
	}
	if (!any)
		return 0;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, d->buf, READ_BYTES);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (max_bytes && total > max_bytes)
			return -EFBIG;
		for (int i = 0; i < N_DIGESTS; i++)
			if (d->md[i] && !EVP_DigestUpdate(d->ctx[i], d->buf, (size_t)n))
				return -EIO;
	}
	for (int i = 0; i < N_DIGESTS; i++) {
		if (!d->md[i])
			continue;
		if (!EVP_DigestFinal_ex(d->ctx[i], md, &md_len))
			return -EIO;
		to_hex(md, md_len, d->hex[i]);
	}
	return 0;
}

const char *vg_digest_hex(const struct vg_digest *d, unsigned one)
{
	for (int i = 0; i < N_DIGESTS; i++)
		if (one == (1u << i))
			return d->hex[i];
	return "";
}
