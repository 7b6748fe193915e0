// SPDX-License-Identifier: Apache-2.0
/*
 * digest.h - MD5, SHA-1 and SHA-256 of a file in one read pass (OpenSSL),
 * for the hash table and the file_events subscriber.
 *
 * A struct vg_digest is reusable (one per thread): it holds the digest
 * contexts, a 1 MiB read buffer and the last results as hex.
 */
#ifndef VIGIL_DIGEST_H
#define VIGIL_DIGEST_H

#include <stdint.h>

#define VG_DIGEST_MD5	 (1u << 0)
#define VG_DIGEST_SHA1	 (1u << 1)
#define VG_DIGEST_SHA256 (1u << 2)
#define VG_DIGEST_ALL	 (VG_DIGEST_MD5 | VG_DIGEST_SHA1 | VG_DIGEST_SHA256)

struct vg_digest;

/* A context computing the digests in @which. Returns 0 or -ENOMEM. */
int vg_digest_new(unsigned which, struct vg_digest **out);
void vg_digest_free(struct vg_digest *d);

/*
 * Reads @fd from its position to the end (at most @max_bytes; 0: no cap)
 * into every digest in use. Returns 0, -EFBIG past the cap, or -errno.
 */
int vg_digest_fd(struct vg_digest *d, int fd, uint64_t max_bytes);

/* The hex of digest @one (a VG_DIGEST_* bit) from the last vg_digest_fd(); "" if unused. */
const char *vg_digest_hex(const struct vg_digest *d, unsigned one);

#endif
