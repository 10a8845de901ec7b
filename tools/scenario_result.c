// SPDX-License-Identifier: MIT
/*
 * scenario_result.c - a step's result tree: built in order, read back by
 * key, written out as JSON.  Values keep the order they were added in, as
 * the oracle's files do, so a JSON rendering is the same bytes the steps
 * used to stream.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_result.h"

/* strdup by malloc, so that a test can fail it like any allocation here */
static char *dup_str(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = malloc(len);

	return d ? memcpy(d, s, len) : NULL;
}

void res_init(struct step_result *res)
{
	memset(res, 0, sizeof(*res));
	res->root.type = RV_OBJECT;
	res->cur = &res->root;
}

static void rv_free_members(struct rv *c)
{
	struct rv *v = c->first, *next;

	for (; v; v = next) {
		next = v->next;
		if (v->type == RV_OBJECT || v->type == RV_ARRAY)
			rv_free_members(v);
		else if (v->type == RV_STRING)
			free(v->s);
		free(v->key);
		free(v);
	}
	c->first = c->last = NULL;
}

void res_free(struct step_result *res)
{
	rv_free_members(&res->root);
	res_init(res);
}

/*
 * A new value at the end of the current container.  On allocation failure
 * the result is marked incomplete and NULL returned.
 */
static struct rv *rv_add(struct step_result *res, const char *key, enum rv_type type)
{
	struct rv *v;

	if (res->lost_depth) {
		res->nomem = true;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	/* an object's members have keys, an array's elements none */
	assert((res->cur->type == RV_OBJECT) == (key != NULL));
	if (!v || (key && !(v->key = dup_str(key)))) {
		free(v);
		res->nomem = true;
		return NULL;
	}
	v->type = type;
	v->parent = res->cur;
	if (res->cur->last)
		res->cur->last->next = v;
	else
		res->cur->first = v;
	res->cur->last = v;
	return v;
}

void res_string(struct step_result *res, const char *key, const char *val)
{
	struct rv *v = rv_add(res, key, RV_STRING);

	if (v && !(v->s = dup_str(val ? val : ""))) {
		v->type = RV_INT;	/* freeable as a scalar; the result says it is incomplete */
		res->nomem = true;
	}
}

void res_int(struct step_result *res, const char *key, long long val)
{
	struct rv *v = rv_add(res, key, RV_INT);

	if (v)
		v->i = val;
}

void res_uint(struct step_result *res, const char *key, unsigned long long val)
{
	struct rv *v = rv_add(res, key, RV_UINT);

	if (v)
		v->u = val;
}

void res_bool(struct step_result *res, const char *key, bool val)
{
	struct rv *v = rv_add(res, key, RV_BOOL);

	if (v)
		v->b = val;
}

/*
 * A container that could not be allocated, and everything inside it, is
 * dropped: lost_depth counts how deep the writer is inside it.
 */
static void res_begin(struct step_result *res, const char *key, enum rv_type type)
{
	struct rv *v;

	if (res->lost_depth) {
		res->lost_depth++;
		return;
	}
	v = rv_add(res, key, type);
	if (v)
		res->cur = v;
	else
		res->lost_depth = 1;
}

void res_begin_object(struct step_result *res, const char *key)
{
	res_begin(res, key, RV_OBJECT);
}

void res_begin_array(struct step_result *res, const char *key)
{
	res_begin(res, key, RV_ARRAY);
}

void res_end(struct step_result *res)
{
	if (res->lost_depth) {
		res->lost_depth--;
		return;
	}
	assert(res->cur != &res->root);
	res->cur = res->cur->parent;
}

const struct rv *rv_get(const struct rv *obj, const char *key)
{
	if (!obj || obj->type != RV_OBJECT)
		return NULL;
	for (const struct rv *v = obj->first; v; v = v->next)
		if (!strcmp(v->key, key))
			return v;
	return NULL;
}

const char *rv_str(const struct rv *obj, const char *key)
{
	const struct rv *v = rv_get(obj, key);

	return v && v->type == RV_STRING ? v->s : "";
}

long long rv_int(const struct rv *obj, const char *key)
{
	const struct rv *v = rv_get(obj, key);

	return !v ? 0 : v->type == RV_INT ? v->i : v->type == RV_UINT ? (long long)v->u : 0;
}

unsigned long long rv_uint(const struct rv *obj, const char *key)
{
	const struct rv *v = rv_get(obj, key);

	return !v ? 0 : v->type == RV_UINT ? v->u : v->type == RV_INT ? (unsigned long long)v->i : 0;
}

static void rv_value_to_json(const struct rv *v, struct json *j)
{
	switch (v->type) {
	case RV_STRING:
		json_string(j, v->key, v->s);
		break;
	case RV_INT:
		json_int(j, v->key, v->i);
		break;
	case RV_UINT:
		json_uint(j, v->key, v->u);
		break;
	case RV_BOOL:
		json_bool(j, v->key, v->b);
		break;
	case RV_OBJECT:
		json_begin_object(j, v->key);
		rv_to_json(v, j);
		json_end_object(j);
		break;
	case RV_ARRAY:
		json_begin_array(j, v->key);
		rv_to_json(v, j);
		json_end_array(j);
		break;
	}
}

void rv_to_json(const struct rv *obj, struct json *j)
{
	for (const struct rv *v = obj->first; v; v = v->next)
		rv_value_to_json(v, j);
}
