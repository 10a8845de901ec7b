// SPDX-License-Identifier: MIT
/*
 * scenario_render.c - a step's result printed for a person.  The JSON
 * rendering is the result tree itself (rv_to_json); the text one says the
 * same in a line or a few per step: the writes and their errno, what the
 * step's verb produced, or why it was skipped.
 */
#include <errno.h>
#include <string.h>

#include "scenario_int.h"

/* the writes of state, online, auto_online, param and write */
static void text_writes(FILE *out, const struct rv *writes)
{
	for (const struct rv *w = writes ? writes->first : NULL; w; w = w->next) {
		const char *result = rv_str(w, "result");

		if (!strcmp(result, "ok"))
			fprintf(out, "  write %s > %s: ok\n", rv_str(w, "value"), rv_str(w, "path"));
		else if (!strcmp(result, "timeout"))
			fprintf(out, "  write %s > %s: timeout (the writer killed at its limit, EINTR)\n",
				rv_str(w, "value"), rv_str(w, "path"));
		else
			fprintf(out, "  write %s > %s: %s (errno %lld, %s)\n", rv_str(w, "value"),
				rv_str(w, "path"), rv_str(w, "errno_name"), rv_int(w, "errno"),
				strerror((int)rv_int(w, "errno")));
	}
}

void text_hotadd(FILE *out, const struct scn_step *st, const struct rv *act)
{
	const struct rv *blocks = rv_get(act, "blocks");
	const char *result = rv_str(act, "result");

	(void)st;
	if (strcmp(result, "ost")) {
		fprintf(out, "  result: %s%s%s%s\n", result, rv_get(act, "errno_name") ? " (" : "",
			rv_str(act, "errno_name"), rv_get(act, "errno_name") ? ")" : "");
		return;
	}
	fprintf(out, "  result: ost addr=%#llx", rv_uint(act, "addr"));
	if (blocks && blocks->first)
		fprintf(out, " blocks=%llu-%llu", blocks->first->u, blocks->last->u);
	if (rv_get(act, "add_error"))
		fprintf(out, ", add_memory failed: %s", rv_str(act, "add_error"));
	fputc('\n', out);
}

void text_remove(FILE *out, const struct scn_step *st, const struct rv *act)
{
	const char *result = rv_str(act, "result");

	(void)st;
	fprintf(out, "  result: %s\n", !strcmp(result, "rejected") ? "rejected (DEVICE_BUSY)" : result);
}

void text_sh(FILE *out, const struct scn_step *st, const struct rv *act)
{
	(void)st;
	fputs(rv_str(act, "stdout"), out);
}

/* a block's flag counts: every member after the four fixed ones is a flag */
void text_kpf(FILE *out, const struct scn_step *st, const struct rv *act)
{
	const struct rv *kpf = rv_get(act, "kpageflags");

	(void)st;
	for (const struct rv *b = kpf ? kpf->first : NULL; b; b = b->next) {
		fprintf(out, "  block %s: start_pfn=%llu nr=%llu noflags=%llu", b->key,
			rv_uint(b, "start_pfn"), rv_uint(b, "nr"), rv_uint(b, "noflags"));
		for (const struct rv *f = b->first; f; f = f->next)
			if (strcmp(f->key, "start_pfn") && strcmp(f->key, "nr") && strcmp(f->key, "noflags") &&
			    strcmp(f->key, "readerr"))
				fprintf(out, " %s=%llu", f->key, f->u);
		fputc('\n', out);
	}
}

void text_hog(FILE *out, const struct scn_step *st, const struct rv *act)
{
	fprintf(out, "  hog %s: got %llu KiB\n", st->argv[0], rv_uint(act, "got_kib"));
}

void text_dax_region(FILE *out, const struct scn_step *st, const struct rv *act)
{
	fprintf(out, "  dax_region %s: %s\n", st->argv[0],
		rv_get(act, "dev") ? rv_str(act, "dev") : rv_str(act, "result"));
}

void text_where(FILE *out, const struct scn_step *st, const struct rv *act)
{
	const struct rv *ppb = rv_get(act, "pages_per_block");

	(void)st;
	for (const struct rv *b = ppb ? ppb->first : NULL; b; b = b->next)
		fprintf(out, "  block %s: %llu pages\n", b->key, b->u);
}

/*
 * The step in text: why it was skipped, or its writes, then what its verb
 * says of its own result (text, from the step table; NULL: nothing more).
 */
void render_step_text(FILE *out, const struct scn_step *st, const struct rv *act,
		      void (*text)(FILE *out, const struct scn_step *st, const struct rv *act))
{
	if (!strcmp(rv_str(act, "result"), "skipped")) {
		fprintf(out, "  skipped: %s\n", rv_str(act, "reason"));
		return;
	}
	text_writes(out, rv_get(act, "writes"));
	if (text)
		text(out, st, act);
}
