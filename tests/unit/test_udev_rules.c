// SPDX-License-Identifier: MIT
/*
 * test_udev_rules.c - udev rules applied to uevents (tools/udev_rules.c):
 * the distribution's memory rule, matches and their negations, patterns,
 * GOTO/LABEL, ENV, substitutions, continued lines, and what is refused:
 * a bad line (an error with its file and line), a key memhp does not
 * honour (the rule never matches), RUN (printed, never run).  The device's
 * attributes are a table here; memhpctl reads and writes them through
 * memhpd.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/udev.h"

/* a fake sysfs: path -> value; writes are recorded */
struct fake {
	const char *paths[8];
	char values[8][64];
	char writes[512];
};

static char *fake_read(void *arg, const char *path)
{
	struct fake *f = arg;

	for (int i = 0; i < 8 && f->paths[i]; i++)
		if (!strcmp(f->paths[i], path))
			return strdup(f->values[i]);
	return NULL;
}

static int fake_write(void *arg, const char *path, const char *value)
{
	struct fake *f = arg;

	for (int i = 0; i < 8 && f->paths[i]; i++)
		if (!strcmp(f->paths[i], path)) {
			snprintf(f->values[i], sizeof(f->values[i]), "%s\n", value);
			snprintf(f->writes + strlen(f->writes), sizeof(f->writes) - strlen(f->writes), "%s=%s;",
				 path, value);
			return 0;
		}
	return -ENOENT;
}

static struct udev_rules *load(const char *text)
{
	char path[] = "/tmp/memhp-rules-XXXXXX", err[256], *files[] = { path };
	int fd = mkstemp(path);
	struct udev_rules *r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	r = udev_rules_load(files, 1, err, sizeof(err));
	unlink(path);
	if (!r)
		fail_msg("load: %s", err);
	return r;
}

/* the rules applied to ACTION on memoryN; the writes they made */
static const char *apply(struct udev_rules *r, struct fake *f, const char *action, int n)
{
	struct uevent ev = { 0 };
	char devpath[64];
	FILE *log = fopen("/dev/null", "w");
	struct udev_io io = { fake_read, fake_write, f, log };

	snprintf(devpath, sizeof(devpath), "/devices/system/memory/memory%d", n);
	assert_int_equal(uevent_set(&ev, "ACTION", action), 0);
	assert_int_equal(uevent_set(&ev, "DEVPATH", devpath), 0);
	assert_int_equal(uevent_set(&ev, "SUBSYSTEM", "memory"), 0);
	assert_int_equal(udev_rules_apply(r, &ev, &io), 0);
	uevent_clear(&ev);
	fclose(log);
	return f->writes;
}

static void test_distribution_rule(void **state)
{
	struct udev_rules *r = load("# 40-memory.rules\n"
				    "SUBSYSTEM==\"memory\", ACTION==\"add\", ATTR{state}==\"offline\", "
				    "ATTR{state}=\"online\"\n");
	struct fake f = { .paths = { "/sys/devices/system/memory/memory32/state" }, .values = { "offline\n" } };

	(void)state;
	/* online: the rule's ATTR match fails, nothing written */
	assert_string_equal(apply(r, &f, "online", 32), "");
	assert_string_equal(apply(r, &f, "add", 32), "/sys/devices/system/memory/memory32/state=online;");
	/* once online, the same event changes nothing */
	f.writes[0] = '\0';
	assert_string_equal(apply(r, &f, "add", 32), "");
	/* a block whose state cannot be read matches nothing */
	assert_string_equal(apply(r, &f, "add", 33), "");
	udev_rules_free(r);
}

static void test_patterns_goto_env_substitution(void **state)
{
	struct udev_rules *r = load("ACTION!=\"add|change\", GOTO=\"end\"\n"
				    "KERNEL==\"memory[0-9]*\", ENV{BLOCK}=\"%n\"\n"
				    "ENV{BLOCK}==\"3?\", \\\n"
				    "  ATTR{state}=\"online_movable\"\n"
				    "ENV{BLOCK}!=\"3?\", ATTR{state}=\"$attr{zone}-$kernel\"\n"
				    "LABEL=\"end\"\n");
	struct fake f = { .paths = { "/sys/devices/system/memory/memory32/state",
				     "/sys/devices/system/memory/memory40/state",
				     "/sys/devices/system/memory/memory40/zone" },
			  .values = { "offline\n", "offline\n", "Normal \n" } };

	(void)state;
	assert_string_equal(apply(r, &f, "remove", 32), "");
	assert_string_equal(apply(r, &f, "add", 32), "/sys/devices/system/memory/memory32/state=online_movable;");
	f.writes[0] = '\0';
	/* trailing white space of an attribute is dropped, as udev does */
	assert_string_equal(apply(r, &f, "change", 40), "/sys/devices/system/memory/memory40/state=Normal-memory40;");
	udev_rules_free(r);
}

static void test_refused(void **state)
{
	char err[256], path[] = "/tmp/memhp-rules-XXXXXX", *files[] = { path };
	struct fake f = { .paths = { "/sys/devices/system/memory/memory32/state" }, .values = { "offline\n" } };
	struct udev_rules *r;
	int fd;

	(void)state;
	/* a line udev cannot parse: its file and line */
	fd = mkstemp(path);
	assert_int_equal(write(fd, "\n\nACTION==add\n", 14), 14);
	close(fd);
	assert_null(udev_rules_load(files, 1, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: value of 'ACTION' not quoted"));
	unlink(path);
	files[0] = "/nonexistent/rules";
	assert_null(udev_rules_load(files, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	/* an unknown key and PROGRAM: the rule never matches; RUN is never run */
	r = load("SUBSYSTEM==\"memory\", DRIVERS==\"x\", ATTR{state}=\"online\"\n"
		 "PROGRAM==\"/bin/true\", ATTR{state}=\"online\"\n"
		 "SUBSYSTEM==\"memory\", RUN+=\"/bin/sh -c 'echo online > /sys$devpath/state'\"\n");
	assert_string_equal(apply(r, &f, "add", 32), "");
	assert_string_equal(f.values[0], "offline\n");
	udev_rules_free(r);
}

/* what a review found udev does and memhp did not */
static void test_udev_corners(void **state)
{
	struct fake f = { .paths = { "/sys/devices/system/memory/memory32/state" }, .values = { "offline\n" } };
	char a[] = "/tmp/memhp-rules-a-XXXXXX", b[] = "/tmp/memhp-rules-b-XXXXXX", err[256], *files[] = { a, b };
	const char *goto_rules = "GOTO=\"skip\"\nATTR{state}=\"a\"\n", *label_rules = "LABEL=\"skip\"\nATTR{state}=\"b\"\n";
	struct udev_rules *r;
	int fd;

	(void)state;
	/* an unclosed $env{ is text, not a crash; "|x" matches an empty value */
	r = load("SUBSYSTEM==\"memory\", ENV{NOPE}==\"|x\", ATTR{state}=\"$env{ACTION\"\n");
	assert_string_equal(apply(r, &f, "add", 32), "/sys/devices/system/memory/memory32/state=$env{ACTION;");
	udev_rules_free(r);
	/* TEST=="file" names the file (Ubuntu's 40-vm-hotadd.rules); a comment
	 * ending in a backslash does not swallow the next rule */
	f.writes[0] = '\0';
	strcpy(f.values[0], "offline\n");
	r = load("# a comment \\\n"
		 "SUBSYSTEM==\"memory\", ACTION==\"add\", TEST==\"state\", ATTR{state}!=\"online\", "
		 "ATTR{state}=\"online\"\n"
		 "TEST==\"/etc/passwd\", ATTR{state}=\"host\"\n");
	assert_string_equal(apply(r, &f, "add", 32), "/sys/devices/system/memory/memory32/state=online;");
	udev_rules_free(r);
	/* a GOTO looks for its LABEL in its own file only */
	fd = mkstemp(a);
	assert_int_equal(write(fd, goto_rules, strlen(goto_rules)), (ssize_t)strlen(goto_rules));
	close(fd);
	fd = mkstemp(b);
	assert_int_equal(write(fd, label_rules, strlen(label_rules)), (ssize_t)strlen(label_rules));
	close(fd);
	r = udev_rules_load(files, 2, err, sizeof(err));
	unlink(a);
	unlink(b);
	assert_non_null(r);
	f.writes[0] = '\0';
	assert_string_equal(apply(r, &f, "add", 32),
			    "/sys/devices/system/memory/memory32/state=a;/sys/devices/system/memory/memory32/state=b;");
	udev_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distribution_rule),
		cmocka_unit_test(test_patterns_goto_env_substitution),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_udev_corners),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
