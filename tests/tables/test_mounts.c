// SPDX-License-Identifier: Apache-2.0
/*
 * The `mounts` table: "/" and /proc as findmnt(8) and stat(1) see them, and
 * a tmpfs the test mounts (in a private mount namespace) on a path with a
 * space, which the kernel escapes in /proc/self/mounts.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "vt.h"

VT_TEST(mounts_columns)
{
	VT_ASSERT_COLUMNS("mounts", "device TEXT, device_alias TEXT, path TEXT, type TEXT, "
				    "blocks_size BIGINT, blocks BIGINT, blocks_free BIGINT, "
				    "blocks_available BIGINT, inodes BIGINT, inodes_free BIGINT, "
				    "flags TEXT");
}

VT_TEST(mounts_root)
{
	char *fstype = vt_shell_output("findmnt -no FSTYPE /");
	char *blocks = vt_shell_output("stat -f -c %b /");
	char *bsize = vt_shell_output("stat -f -c %s /");
	struct vt_rows *r = vt_query("SELECT * FROM mounts WHERE path = '/'", NULL);
	size_t last;

	VT_ASSERT(fstype && blocks && bsize && r);
	VT_ASSERT(r->n_rows >= 1);
	last = r->n_rows - 1; /* the mount on top is the one in use */
	VT_ASSERT_STR_EQ(vt_cell(r, last, "type"), fstype);
	VT_ASSERT(atoll(vt_cell(r, last, "blocks")) > 0);
	VT_ASSERT_STR_EQ(vt_cell(r, last, "blocks"), blocks);
	VT_ASSERT_STR_EQ(vt_cell(r, last, "blocks_size"), bsize);
	VT_ASSERT(atoll(vt_cell(r, last, "blocks_free")) >=
		  atoll(vt_cell(r, last, "blocks_available")));
	vt_rows_free(r);
	free(fstype);
	free(blocks);
	free(bsize);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT type FROM mounts WHERE path = '/proc'"), "proc");
}

VT_TEST(mounts_made)
{
	char *t = vt_tmpdir();
	char mnt[512];
	struct vt_rows *r;
	char sql[1024];

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		vt_rmtree(t);
		free(t);
		vt_skip("no private mount namespace (needs CAP_SYS_ADMIN)");
	}
	snprintf(mnt, sizeof(mnt), "%s/mount point", t);
	VT_ASSERT_OK(mkdir(mnt, 0755));
	VT_ASSERT_OK(mount("vigil dev", mnt, "tmpfs", MS_NOEXEC, "size=1m,mode=0700"));
	snprintf(sql, sizeof(sql), "SELECT * FROM mounts WHERE path = '%s'", mnt);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "device"), "vigil dev");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "device_alias"), "vigil dev");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "tmpfs");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "blocks"), "256");
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "flags"), "noexec");
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "flags"), "size=1024k");
	vt_rows_free(r);
	VT_ASSERT_OK(umount(mnt));
	vt_rmtree(t);
	free(t);
}
