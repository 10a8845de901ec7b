// SPDX-License-Identifier: MIT
/*
 * test_scenario_result.c - the scenario runner's step result: built in
 * order, read back by key, rendered as the same JSON the steps streamed
 * before, and whole after a failed allocation at any point of its
 * building (malloc and calloc are wrapped: the Nth one fails).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/json.h"
#include "../../tools/scenario_result.h"

/* the allocation that fails (1-based); 0: none.  Counted from arming. */
static unsigned long fail_nth, alloc_count;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);

static bool alloc_fails(void)
{
	return fail_nth && ++alloc_count == fail_nth;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

/* a hotadd's result, the oracle's shape: scalars, an array, a nested object */
static void build_hotadd(struct step_result *res)
{
	res_string(res, "dimm", "d1");
	res_uint(res, "size", 1ULL << 30);
	res_string(res, "result", "ost");
	res_int(res, "ost_status", 0);
	res_begin_array(res, "blocks");
	for (unsigned long b = 32; b < 35; b++)
		res_uint(res, NULL, b);
	res_end(res);
	res_begin_array(res, "writes");
	res_begin_object(res, NULL);
	res_string(res, "path", "/sys/devices/system/memory/memory32/state");
	res_int(res, "rc", -22);
	res_end(res);
	res_end(res);
	res_bool(res, "enabled", true);
	res_string(res, "tail", "quote\" and \\ and \n");
}

static const char hotadd_json[] =
	"{\"dimm\":\"d1\",\"size\":1073741824,\"result\":\"ost\",\"ost_status\":0,"
	"\"blocks\":[32,33,34],\"writes\":[{\"path\":\"/sys/devices/system/memory/memory32/state\","
	"\"rc\":-22}],\"enabled\":true,\"tail\":\"quote\\\" and \\\\ and \\n\"}\n";

/* the result as a JSON object of its own */
static char *render(const struct step_result *res)
{
	struct json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_init(&j, f, false);
	json_begin_object(&j, NULL);
	rv_to_json(&res->root, &j);
	json_end_object(&j);
	fclose(f);
	return buf;
}

static void test_json_is_the_streamed_json(void **state)
{
	struct step_result res;
	char *out;

	(void)state;
	res_init(&res);
	build_hotadd(&res);
	assert_false(res.nomem);
	out = render(&res);
	assert_string_equal(out, hotadd_json);
	free(out);
	res_free(&res);
	/* res_free leaves an empty result, ready for the next step */
	out = render(&res);
	assert_string_equal(out, "{}\n");
	free(out);
}

static void test_read_back(void **state)
{
	struct step_result res;
	const struct rv *blocks, *w;

	(void)state;
	res_init(&res);
	build_hotadd(&res);
	assert_string_equal(rv_str(&res.root, "dimm"), "d1");
	assert_int_equal(rv_uint(&res.root, "size"), 1ULL << 30);
	assert_int_equal(rv_int(&res.root, "ost_status"), 0);
	blocks = rv_get(&res.root, "blocks");
	assert_non_null(blocks);
	assert_int_equal(blocks->first->u, 32);
	assert_int_equal(blocks->last->u, 34);
	w = rv_get(&res.root, "writes")->first;
	assert_int_equal(rv_int(w, "rc"), -22);
	/* absent, or of another type: the empty value, never a crash */
	assert_null(rv_get(&res.root, "nope"));
	assert_string_equal(rv_str(&res.root, "nope"), "");
	assert_string_equal(rv_str(&res.root, "size"), "");
	assert_int_equal(rv_int(&res.root, "dimm"), 0);
	assert_null(rv_get(blocks, "x"));	/* an array has no members by key */
	assert_null(rv_get(NULL, "x"));
	res_free(&res);
}

/* count the opening and closing brackets outside strings: they must pair */
static bool balanced(const char *s)
{
	int depth = 0;
	bool in_str = false;

	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"') {
			in_str = true;
		} else if (*s == '{' || *s == '[') {
			depth++;
		} else if (*s == '}' || *s == ']') {
			if (--depth < 0)
				return false;
		}
	}
	return !depth && !in_str;
}

/*
 * Fail each allocation of the building in turn: the result says it is
 * incomplete, what was added after the failure sits where it belongs (the
 * nesting survives a lost container), it renders as balanced JSON and it
 * frees without a leak (ASan checks that).
 */
static void test_every_allocation_failure(void **state)
{
	unsigned long total;
	struct step_result res;

	(void)state;
	fail_nth = ~0UL;	/* count without failing */
	alloc_count = 0;
	res_init(&res);
	build_hotadd(&res);
	total = alloc_count;
	fail_nth = 0;
	res_free(&res);
	assert_true(total >= 20);

	for (unsigned long n = 1; n <= total; n++) {
		char *out;

		alloc_count = 0;
		fail_nth = n;
		res_init(&res);
		build_hotadd(&res);
		fail_nth = 0;
		assert_true(res.nomem);
		assert_int_equal(res.lost_depth, 0);
		assert_ptr_equal(res.cur, &res.root);
		/* the last member (3 allocations), added after every container closed, is at the root */
		if (n + 3 <= total)
			assert_string_equal(rv_str(&res.root, "tail"), "quote\" and \\ and \n");
		out = render(&res);
		assert_true(balanced(out));
		free(out);
		res_free(&res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_is_the_streamed_json),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_every_allocation_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
