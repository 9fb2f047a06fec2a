/*
 * test_log.c: the logger's repeat limiter on a clock the test moves:
 * a burst is printed and the rest summarised (text and JSON), distinct
 * objects and new messages are never held back, durations (*_ms) do not
 * make a repeat new, a flood stays muted until a quiet window, debug is
 * never limited, and a full table loses no count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgp/log.h"
#include "bgp/logrl.h"

static uint64_t	 now_ms;
static char	*out_buf;
static size_t	 out_len;
static FILE	*out;

static uint64_t
test_clock(void)
{
	return now_ms;
}

static int
setup(void **state)
{
	(void)state;
	now_ms = 1000000;
	out = open_memstream(&out_buf, &out_len);
	log_init(LOG_DEBUG, 0);
	log_set_stream(out);
	log_set_clock(test_clock);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	log_flush();	/* forget every line for the next test */
	log_set_stream(NULL);
	log_set_clock(NULL);
	fclose(out);
	free(out_buf);
	return 0;
}

/* Lines written so far containing needle (all lines when NULL). */
static int
count(const char *needle)
{
	const char *p;
	int n = 0;

	fflush(out);
	for (p = out_buf; p && *p; p = strchr(p, '\n') + 1) {
		const char *e = strchr(p, '\n');

		if (e == NULL)
			break;
		if (needle == NULL || (memmem(p, (size_t)(e - p), needle,
		    strlen(needle)) != NULL))
			n++;
	}
	return n;
}

static void
test_burst_then_summary(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LOGRL_BURST + 3; i++) {
		log_warn("connect failed", "session=a error=%s", "refused");
		now_ms += 100;
	}
	assert_int_equal(count("connect failed"), LOGRL_BURST);
	log_tick();	/* the window has not ended */
	assert_int_equal(count("suppressed="), 0);
	now_ms += LOGRL_WINDOW_MS;
	log_tick();
	assert_int_equal(count("level=warn msg=\"connect failed\" session=a "
	    "error=refused suppressed=3"), 1);
	assert_int_equal(count(NULL), LOGRL_BURST + 1);
}

static void
test_json_summary(void **state)
{
	int i;

	(void)state;
	log_init(LOG_INFO, 1);
	for (i = 0; i < LOGRL_BURST + 2; i++)
		log_error("cannot write", "object=x error=%s", "\"a b\"");
	now_ms += LOGRL_WINDOW_MS;
	log_tick();
	assert_int_equal(count("\"level\":\"error\",\"msg\":\"cannot write\","
	    "\"object\":\"x\",\"error\":\"a b\",\"suppressed\":\"2\"}"), 1);
	assert_int_equal(count(NULL), LOGRL_BURST + 1);
}

static void
test_objects_apart(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		log_info("session state changed", "session=a to=Active");
		log_info("session state changed", "session=b to=Active");
		log_info("session state changed", "session=a to=Connect");
		log_warn("session state changed", "session=a to=Active");
	}
	assert_int_equal(count("session=a to=Active"), 2 * LOGRL_BURST);
	assert_int_equal(count("session=b to=Active"), LOGRL_BURST);
	assert_int_equal(count("session=a to=Connect"), LOGRL_BURST);
	/* Quoting is part of the line: one value is not two pairs. */
	log_info("x", "a=\"b c\"");
	log_info("x", "a=b c");
	assert_int_equal(count("msg=\"x\""), 2);
}

static void
test_first_of_new_message(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		log_warn("flood", "peer=p");
	log_warn("flood", "peer=q");
	log_warn("something else", "peer=p");
	assert_int_equal(count("peer=q"), 1);
	assert_int_equal(count("something else"), 1);
}

static void
test_durations_do_not_count(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 20; i++)
		log_warn("retrying", "path=/x retry_ms=%d error=e", 100 + i);
	assert_int_equal(count("retrying"), LOGRL_BURST);
	now_ms += LOGRL_WINDOW_MS;
	log_tick();
	/* The summary shows the last repeat's values. */
	assert_int_equal(count("retry_ms=119 error=e suppressed=15"), 1);
}

static void
test_flood_stays_muted(void **state)
{
	int w, i;

	(void)state;
	for (w = 0; w < 3; w++) {
		for (i = 0; i < 15; i++) {
			log_info("connecting", "session=a");
			now_ms += LOGRL_WINDOW_MS / 15;
		}
		log_tick();
	}
	/* One burst, then one summary per window while it lasts. */
	assert_int_equal(count("connecting"), LOGRL_BURST + 3);
	assert_int_equal(count("suppressed=10"), 1);
	assert_int_equal(count("suppressed=15"), 2);
	/* A window without it forgets it: the next one is news again. */
	now_ms += LOGRL_WINDOW_MS;
	log_tick();
	log_info("connecting", "session=a");
	assert_int_equal(count("connecting"), LOGRL_BURST + 4);
	assert_int_equal(count("suppressed="), 3);
}

static void
test_summary_without_tick(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LOGRL_BURST + 1; i++)
		log_warn("w", "k=v");
	now_ms += LOGRL_WINDOW_MS;
	log_info("other", "%s", "");
	/* The ended window is summarised before the next line. */
	assert_int_equal(count("suppressed=1"), 1);
	fflush(out);
	assert_non_null(strstr(out_buf, "suppressed=1\n"));
	assert_true(strstr(out_buf, "suppressed=1\n") <
	    strstr(out_buf, "msg=\"other\""));
}

static void
test_debug_not_limited(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 3 * LOGRL_BURST; i++)
		log_debug("tick", "k=%d", 1);
	assert_int_equal(count("msg=\"tick\""), 3 * LOGRL_BURST);
	log_init(LOG_WARN, 0);
	for (i = 0; i < 3 * LOGRL_BURST; i++)
		log_info("hidden", "k=%d", 1);
	log_flush();
	assert_int_equal(count("hidden"), 0);
}

static void
test_full_table(void **state)
{
	int i, j;

	(void)state;
	/* One line muted, then more distinct lines than the table holds. */
	for (i = 0; i < LOGRL_BURST + 4; i++)
		log_warn("old", "k=v");
	now_ms += 1;
	for (i = 0; i < 2 * LOGRL_SLOTS; i++)
		for (j = 0; j < 2; j++)
			log_info("many", "n=%d", i);
	assert_int_equal(count("msg=\"many\""), 4 * LOGRL_SLOTS);
	/* Forgotten to make room, its count was reported, not lost. */
	assert_int_equal(count("msg=\"old\" k=v suppressed=4"), 1);
}

static void
test_flush(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LOGRL_BURST + 2; i++)
		log_error("e", "k=v");
	log_flush();
	assert_int_equal(count("suppressed=2"), 1);
	log_error("e", "k=v");
	assert_int_equal(count("msg=\"e\""), LOGRL_BURST + 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_then_summary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_summary, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_objects_apart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_of_new_message,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_durations_do_not_count,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_stays_muted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_summary_without_tick,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_not_limited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_table, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
