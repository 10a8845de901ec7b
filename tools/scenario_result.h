/* SPDX-License-Identifier: MIT */
/*
 * scenario_result.h - what a scenario step did, as a small tree of named
 * values (the shape of the oracle's "action" object).  A step builds it;
 * the renderers print it: as JSON in the oracle's schema, or as text for a
 * person.  The step never writes output itself, so the two cannot disagree.
 */
#ifndef MEMHP_TOOLS_SCENARIO_RESULT_H
#define MEMHP_TOOLS_SCENARIO_RESULT_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"

enum rv_type { RV_STRING, RV_INT, RV_UINT, RV_BOOL, RV_OBJECT, RV_ARRAY };

/* one value: a member of an object (key) or an element of an array (no key) */
struct rv {
	enum rv_type type;
	char *key;
	union {
		char *s;
		long long i;
		unsigned long long u;
		bool b;
	};
	struct rv *first, *last;	/* RV_OBJECT, RV_ARRAY: the members in order */
	struct rv *next, *parent;
};

/* the tree a step fills; building never fails, an allocation failure is kept */
struct step_result {
	struct rv root;		/* an object: the action */
	struct rv *cur;		/* the container the next value goes into */
	int lost_depth;		/* inside a container that could not be allocated */
	bool nomem;		/* a value was lost: the result is incomplete */
};

void res_init(struct step_result *res);
void res_free(struct step_result *res);

void res_string(struct step_result *res, const char *key, const char *val);
void res_int(struct step_result *res, const char *key, long long val);
void res_uint(struct step_result *res, const char *key, unsigned long long val);
void res_bool(struct step_result *res, const char *key, bool val);
void res_begin_object(struct step_result *res, const char *key);
void res_begin_array(struct step_result *res, const char *key);
void res_end(struct step_result *res);	/* closes the innermost object or array */

/* reading it back: NULL, "" or 0 when the member is absent or of another type */
const struct rv *rv_get(const struct rv *obj, const char *key);
const char *rv_str(const struct rv *obj, const char *key);
long long rv_int(const struct rv *obj, const char *key);
unsigned long long rv_uint(const struct rv *obj, const char *key);

/* the members of obj as members of the JSON object being written */
void rv_to_json(const struct rv *obj, struct json *j);

#endif
