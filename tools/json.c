// SPDX-License-Identifier: MIT
/*
 * json.c - streaming JSON writer.  Keys are given for object members and
 * NULL for array elements; commas and (optional) indentation are handled
 * by a per-depth "an element was already written" flag.
 */
#include "json.h"

void json_init(struct json *j, FILE *out, bool pretty)
{
	j->out = out;
	j->depth = 0;
	j->need_comma[0] = false;
	j->pretty = pretty;
}

static void put_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void prefix(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	if (j->pretty && j->depth) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputc(' ', j->out);
	}
	j->need_comma[j->depth] = true;
	if (key) {
		put_escaped(j->out, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

static void open_container(struct json *j, const char *key, char c)
{
	prefix(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_container(struct json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && had) {
		fputc('\n', j->out);
		for (int i = 0; i < j->depth; i++)
			fputc(' ', j->out);
	}
	fputc(c, j->out);
	if (!j->depth)
		fputc('\n', j->out);
}

void json_begin_object(struct json *j, const char *key) { open_container(j, key, '{'); }
void json_end_object(struct json *j) { close_container(j, '}'); }
void json_begin_array(struct json *j, const char *key) { open_container(j, key, '['); }
void json_end_array(struct json *j) { close_container(j, ']'); }

void json_string(struct json *j, const char *key, const char *val)
{
	prefix(j, key);
	if (val)
		put_escaped(j->out, val);
	else
		fputs("null", j->out);
}

void json_int(struct json *j, const char *key, long long val)
{
	prefix(j, key);
	fprintf(j->out, "%lld", val);
}

void json_uint(struct json *j, const char *key, unsigned long long val)
{
	prefix(j, key);
	fprintf(j->out, "%llu", val);
}

void json_double(struct json *j, const char *key, double val)
{
	prefix(j, key);
	fprintf(j->out, "%.3f", val);
}

void json_bool(struct json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->out);
}
