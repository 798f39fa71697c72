/* Renewal journal: append/reopen, torn tails, hostile files, the per-card
 * fold and the resume decisions (pure; files in a private temp dir). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "jpki/journal.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_journal.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/j.cbor", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static long file_size(void)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void append_bytes(const void *p, size_t n)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void add(jpki_journal *j, jpki_journal_step step, const char *card, int kind,
                uint8_t keybyte, const uint8_t *der, size_t der_len)
{
    jpki_journal_record r;
    jpki_journal_record_init(&r, step, card);
    r.kind = kind;
    if (keybyte) {
        r.has_key = true;
        memset(r.key, keybyte, sizeof r.key);
    }
    r.der = der;
    r.der_len = der_len;
    if (step == JPKI_STEP_STARTED)
        snprintf(r.reader, sizeof r.reader, "JPKI Test Reader A 00");
    if (step == JPKI_STEP_FAILED)
        snprintf(r.error, sizeof r.error, "CA failed");
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_journal_append(j, &r, &err), JPKI_OK);
}

static const uint8_t CERT1[] = {0x30, 0x03, 0x02, 0x01, 0x01};

static void write_sample(void)
{
    unlink(path);
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    add(j, JPKI_STEP_STARTED, "111111111111111", -1, 0, NULL, 0);
    add(j, JPKI_STEP_PENDING_KEY, "111111111111111", JPKI_KEY_AUTH, 0xAA, NULL, 0);
    add(j, JPKI_STEP_CSR, "111111111111111", JPKI_KEY_AUTH, 0xAA, CERT1, 3);
    add(j, JPKI_STEP_CERT_ISSUED, "111111111111111", JPKI_KEY_AUTH, 0xAA, CERT1, sizeof CERT1);
    add(j, JPKI_STEP_ACTIVATED, "111111111111111", JPKI_KEY_AUTH, 0xAA, NULL, 0);
    add(j, JPKI_STEP_DONE, "111111111111111", -1, 0, NULL, 0);
    add(j, JPKI_STEP_STARTED, "222222222222222", -1, 0, NULL, 0);
    add(j, JPKI_STEP_PENDING_KEY, "222222222222222", JPKI_KEY_SIGN, 0xBB, NULL, 0);
    add(j, JPKI_STEP_CERT_ISSUED, "222222222222222", JPKI_KEY_SIGN, 0xBB, CERT1, sizeof CERT1);
    jpki_journal_close(j);
}

static void append_and_reopen(void **state)
{
    (void)state;
    write_sample();
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    assert_int_equal(jpki_journal_dropped_bytes(j), 0);
    jpki_journal_card_state s;
    bool found;
    assert_int_equal(jpki_journal_lookup(j, "111111111111111", &s, &found, NULL), JPKI_OK);
    assert_true(found);
    assert_int_equal(s.last, JPKI_STEP_DONE);
    assert_int_equal(s.key[JPKI_KEY_AUTH].last, JPKI_STEP_ACTIVATED);
    assert_int_equal(s.key[JPKI_KEY_SIGN].last, JPKI_STEP_NONE);
    jpki_journal_card_state_free(&s);

    assert_int_equal(jpki_journal_lookup(j, "222222222222222", &s, &found, NULL), JPKI_OK);
    assert_true(found);
    assert_int_equal(s.last, JPKI_STEP_STARTED);
    assert_int_equal(s.key[JPKI_KEY_SIGN].last, JPKI_STEP_CERT_ISSUED);
    assert_int_equal(s.key[JPKI_KEY_SIGN].cert_len, sizeof CERT1);
    assert_memory_equal(s.key[JPKI_KEY_SIGN].cert, CERT1, sizeof CERT1);
    jpki_journal_card_state_free(&s);

    assert_int_equal(jpki_journal_lookup(j, "333333333333333", &s, &found, NULL), JPKI_OK);
    assert_false(found);
    jpki_journal_close(j);
}

/* A crash in the middle of a write leaves a prefix of a record: reopening
 * cuts it off and later appends follow intact records. */
static void truncated_tail_tolerated(void **state)
{
    (void)state;
    write_sample();
    long good = file_size();
    /* a started record for a third card, cut after a few bytes */
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_STARTED, "333333333333333");
    uint8_t *enc;
    size_t n;
    assert_int_equal(jpki_journal_encode(&r, &enc, &n, NULL), JPKI_OK);
    for (size_t cut = 1; cut < n; cut += 7) {
        assert_int_equal(truncate(path, good), 0);
        append_bytes(enc, cut);
        jpki_journal *j;
        jpki_error err;
        jpki_error_clear(&err);
        assert_int_equal(jpki_journal_open(path, &j, &err), JPKI_OK);
        assert_int_equal(jpki_journal_dropped_bytes(j), cut);
        assert_int_equal(file_size(), good);
        jpki_journal_card_state s;
        bool found;
        assert_int_equal(jpki_journal_lookup(j, "333333333333333", &s, &found, NULL), JPKI_OK);
        assert_false(found);
        jpki_journal_close(j);
    }
    free(enc);
    /* and an append after the repair is read back */
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    add(j, JPKI_STEP_FAILED, "333333333333333", -1, 0, NULL, 0);
    jpki_journal_close(j);
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    jpki_journal_card_state s;
    bool found;
    assert_int_equal(jpki_journal_lookup(j, "333333333333333", &s, &found, NULL), JPKI_OK);
    assert_true(found);
    assert_int_equal(s.last, JPKI_STEP_FAILED);
    assert_string_equal(s.error, "CA failed");
    jpki_journal_close(j);
}

static void zero_tail_tolerated(void **state)
{
    (void)state;
    write_sample();
    long good = file_size();
    static const uint8_t zeros[4096];
    append_bytes(zeros, sizeof zeros);
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    assert_int_equal(file_size(), good);
    jpki_journal_close(j);
}

/* Corruption that is not a torn tail is an error, never a silent loss of
 * records (a lost "done" would renew a card twice). */
static void corruption_in_the_middle_is_an_error(void **state)
{
    (void)state;
    write_sample();
    /* overwrite the first byte of the second record (after the header) */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    size_t valid;
    bool torn;
    assert_int_equal(jpki_journal_parse(buf, n, NULL, NULL, &valid, &torn, NULL), JPKI_OK);
    assert_int_equal(valid, n);
    assert_false(torn);
    /* Locate the 2nd record by the "started" text after its "step" key. */
    uint8_t *second = memmem(buf, n, "\x67" "started", 8);
    assert_non_null(second);
    second -= 1 + 5; /* map header + "step" text (0x64 's' 't' 'e' 'p') */
    assert_true((second[0] & 0xE0) == 0xA0);
    long at = (long)(second - buf);
    fseek(f, at, SEEK_SET);
    fputc(0x01, f); /* a uint where a map must be */
    fclose(f);

    jpki_journal *j;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_journal_open(path, &j, &err), JPKI_ERR_FORMAT);
    assert_null(j);
    assert_non_null(strstr(err.message, "not a map"));
    char want[32];
    snprintf(want, sizeof want, "byte %ld", at);
    assert_non_null(strstr(err.message, want));
}

/* Declared lengths are never trusted: a 4 GB byte string at the end is an
 * error (not an allocation, not a torn tail that would swallow records). */
static void hostile_lengths(void **state)
{
    (void)state;
    write_sample();
    long good = file_size();
    /* map(3) "step" "started" "der" bytes(0xFFFFFFFF) */
    static const uint8_t big[] = {0xA3, 0x64, 's', 't', 'e', 'p', 0x67, 's', 't', 'a', 'r',
                                  't', 'e', 'd', 0x63, 'd', 'e', 'r', 0x5A, 0xFF, 0xFF, 0xFF, 0xFF};
    append_bytes(big, sizeof big);
    jpki_journal *j;
    jpki_error err;
    jpki_error_clear(&err);
    assert_int_equal(jpki_journal_open(path, &j, &err), JPKI_ERR_LIMIT);
    assert_int_equal(file_size(), good + (long)sizeof big); /* not "repaired" away */

    /* parse directly: 9a 72 ff ff ff (an array of 2^32 items, the libcbor trap) */
    static const uint8_t trap[] = {0x9A, 0x72, 0xFF, 0xFF, 0xFF, 0xFF};
    size_t valid;
    bool torn;
    assert_int_equal(jpki_journal_parse(trap, sizeof trap, NULL, NULL, &valid, &torn, NULL),
                     JPKI_ERR_FORMAT);
    /* a record with too many fields */
    uint8_t many[] = {0xB8, 0x40};
    assert_int_equal(jpki_journal_parse(many, sizeof many, NULL, NULL, &valid, &torn, NULL),
                     JPKI_ERR_LIMIT);
    /* not a journal at all */
    static const uint8_t text[] = "hello world\n";
    assert_int_equal(jpki_journal_parse(text, sizeof text - 1, NULL, NULL, &valid, &torn, NULL),
                     JPKI_ERR_FORMAT);
    /* a valid record but no header first */
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_DONE, "1");
    uint8_t *enc;
    size_t n;
    assert_int_equal(jpki_journal_encode(&r, &enc, &n, NULL), JPKI_OK);
    jpki_error_clear(&err);
    assert_int_equal(jpki_journal_parse(enc, n, NULL, NULL, &valid, &torn, &err), JPKI_ERR_FORMAT);
    assert_non_null(strstr(err.message, "no header"));
    free(enc);
}

static void second_process_is_locked_out(void **state)
{
    (void)state;
    write_sample();
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    pid_t pid = fork();
    if (pid == 0) {
        jpki_journal *j2;
        jpki_error err;
        jpki_error_clear(&err);
        jpki_rc rc = jpki_journal_open(path, &j2, &err);
        _exit(rc == JPKI_ERR_STATE && strstr(err.message, "in use") ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    jpki_journal_close(j);
}

static jpki_card_key_view view(bool pending, uint8_t fp, bool pending_cert)
{
    jpki_card_key_view v = {.active = true, .pending = pending, .pending_cert = pending_cert,
                            .have_fp = pending};
    memset(v.pending_fp, fp, sizeof v.pending_fp);
    return v;
}

static void resume_decisions(void **state)
{
    (void)state;
    jpki_journal_card_state s;
    memset(&s, 0, sizeof s);
    jpki_card_key_view none = view(false, 0, false);
    jpki_card_key_view pend_a = view(true, 0xAA, false);
    jpki_card_key_view pend_b = view(true, 0xBB, false);
    jpki_card_key_view pend_a_written = view(true, 0xAA, true);

    /* no journal */
    assert_int_equal(jpki_resume_decide(NULL, JPKI_KEY_AUTH, &none), JPKI_RESUME_GENERATE);
    assert_int_equal(jpki_resume_decide(NULL, JPKI_KEY_AUTH, &pend_a), JPKI_RESUME_REQUEST);
    assert_int_equal(jpki_resume_decide(NULL, JPKI_KEY_AUTH, &pend_a_written), JPKI_RESUME_ACTIVATE);

    /* started only (crash before/after GENERATE) */
    s.last = JPKI_STEP_STARTED;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &none), JPKI_RESUME_GENERATE);
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &pend_a), JPKI_RESUME_REQUEST);

    /* certificate issued for key AA */
    s.key[JPKI_KEY_SIGN].last = JPKI_STEP_CERT_ISSUED;
    s.key[JPKI_KEY_SIGN].has_key = true;
    memset(s.key[JPKI_KEY_SIGN].key, 0xAA, JPKI_JOURNAL_FP_LEN);
    s.key[JPKI_KEY_SIGN].cert = (uint8_t *)CERT1;
    s.key[JPKI_KEY_SIGN].cert_len = sizeof CERT1;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &pend_a), JPKI_RESUME_INSTALL);
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &pend_a_written), JPKI_RESUME_INSTALL);
    /* ...but the card holds another pending key: that certificate is useless */
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &pend_b), JPKI_RESUME_REQUEST);
    /* ...or the pending key was not read (no PIN yet): no certificate is
     * handed out on a guess */
    jpki_card_key_view unread = pend_a;
    unread.have_fp = false;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &unread), JPKI_RESUME_REQUEST);
    /* ...pending key gone: ACTIVATE must have happened; confirm, never redo */
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &none), JPKI_RESUME_CONFIRM);
    /* the other key is untouched */
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_AUTH, &none), JPKI_RESUME_GENERATE);

    s.key[JPKI_KEY_SIGN].last = JPKI_STEP_ACTIVATED;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &none), JPKI_RESUME_CONFIRM);

    /* failed, then done: done wins, per key */
    s.last = JPKI_STEP_FAILED;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &none), JPKI_RESUME_CONFIRM);
    s.last = JPKI_STEP_DONE;
    s.done_kinds = 1u << JPKI_KEY_SIGN;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_SIGN, &none), JPKI_RESUME_SKIP_DONE);
    /* the auth key was not renewed: it still can be */
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_AUTH, &none), JPKI_RESUME_GENERATE);
    s.done_kinds |= 1u << JPKI_KEY_AUTH;
    assert_int_equal(jpki_resume_decide(&s, JPKI_KEY_AUTH, &pend_b), JPKI_RESUME_SKIP_DONE);
    assert_string_equal(jpki_resume_action_name(JPKI_RESUME_INSTALL), "install");
}

/* The fold: a new pending key forgets the old key's certificate; a failed
 * attempt keeps what the card may still hold; done is final. */
static void fold_rules(void **state)
{
    (void)state;
    unlink(path);
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    const char *c = "444444444444444";
    add(j, JPKI_STEP_STARTED, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_PENDING_KEY, c, JPKI_KEY_AUTH, 0x11, NULL, 0);
    add(j, JPKI_STEP_CERT_ISSUED, c, JPKI_KEY_AUTH, 0x11, CERT1, sizeof CERT1);
    add(j, JPKI_STEP_FAILED, c, -1, 0, NULL, 0);
    jpki_journal_card_state s;
    bool found;
    assert_int_equal(jpki_journal_lookup(j, c, &s, &found, NULL), JPKI_OK);
    assert_int_equal(s.last, JPKI_STEP_FAILED);
    assert_non_null(s.key[JPKI_KEY_AUTH].cert);
    jpki_journal_card_state_free(&s);

    add(j, JPKI_STEP_STARTED, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_PENDING_KEY, c, JPKI_KEY_AUTH, 0x22, NULL, 0);
    assert_int_equal(jpki_journal_lookup(j, c, &s, &found, NULL), JPKI_OK);
    assert_int_equal(s.last, JPKI_STEP_STARTED);
    assert_null(s.key[JPKI_KEY_AUTH].cert);
    assert_int_equal(s.key[JPKI_KEY_AUTH].key[0], 0x22);
    assert_string_equal(s.error, "");
    jpki_journal_card_state_free(&s);

    /* a done record without kinds (older journals): both keys done, and
     * a later failed attempt does not undo that */
    add(j, JPKI_STEP_DONE, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_STARTED, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_FAILED, c, -1, 0, NULL, 0);
    assert_int_equal(jpki_journal_lookup(j, c, &s, &found, NULL), JPKI_OK);
    assert_int_equal(s.done_kinds, 3);
    jpki_journal_card_state_free(&s);

    /* records that could not be folded are refused before they are written */
    long before = file_size();
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_ACTIVATED, c);
    assert_int_equal(jpki_journal_append(j, &r, NULL), JPKI_ERR_FORMAT);
    /* cert-issued without the DER too */
    jpki_journal_record_init(&r, JPKI_STEP_CERT_ISSUED, c);
    r.kind = JPKI_KEY_SIGN;
    r.has_key = true;
    assert_int_equal(jpki_journal_append(j, &r, NULL), JPKI_ERR_FORMAT);
    /* so is an oversize DER */
    static uint8_t huge[JPKI_JOURNAL_MAX_DER + 1];
    jpki_journal_record_init(&r, JPKI_STEP_CSR, c);
    r.kind = JPKI_KEY_SIGN;
    r.der = huge;
    r.der_len = sizeof huge;
    assert_int_equal(jpki_journal_append(j, &r, NULL), JPKI_ERR_LIMIT);
    jpki_journal_close(j);
    assert_int_equal(file_size(), before);
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    jpki_journal_close(j);
}

/* face-mode: the intent of the attempt it follows; a resume (started
 * without kinds) keeps it, a new attempt naming its keys drops it; it
 * survives a reopen (the name round-trips). */
static void face_mode_intent(void **state)
{
    (void)state;
    unlink(path);
    jpki_journal *j;
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    const char *c = "555555555555555";
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_STARTED, c);
    r.kinds = 1;
    assert_int_equal(jpki_journal_append(j, &r, NULL), JPKI_OK);
    add(j, JPKI_STEP_FACE_MODE, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_FAILED, c, -1, 0, NULL, 0);
    add(j, JPKI_STEP_STARTED, c, -1, 0, NULL, 0); /* a resume */
    jpki_journal_close(j);
    assert_int_equal(jpki_journal_open(path, &j, NULL), JPKI_OK);
    jpki_journal_card_state s;
    bool found;
    assert_int_equal(jpki_journal_lookup(j, c, &s, &found, NULL), JPKI_OK);
    assert_true(found);
    assert_true(s.to_face);
    assert_int_equal(s.kinds, 1);
    jpki_journal_card_state_free(&s);
    assert_string_equal(jpki_journal_step_name(JPKI_STEP_FACE_MODE), "face-mode");
    jpki_journal_record_init(&r, JPKI_STEP_STARTED, c);
    r.kinds = 3;
    assert_int_equal(jpki_journal_append(j, &r, NULL), JPKI_OK);
    assert_int_equal(jpki_journal_lookup(j, c, &s, &found, NULL), JPKI_OK);
    assert_false(s.to_face);
    jpki_journal_card_state_free(&s);
    jpki_journal_close(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_and_reopen),
        cmocka_unit_test(truncated_tail_tolerated),
        cmocka_unit_test(zero_tail_tolerated),
        cmocka_unit_test(corruption_in_the_middle_is_an_error),
        cmocka_unit_test(hostile_lengths),
        cmocka_unit_test(second_process_is_locked_out),
        cmocka_unit_test(resume_decisions),
        cmocka_unit_test(fold_rules),
        cmocka_unit_test(face_mode_intent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
