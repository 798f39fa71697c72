/* jpki-renew's side of one card (flow.h): the renewal itself is the
 * library's; what is left here is the exit code. */
#include "cli.h"
#include "flow.h"

int flow_exit_code(const jpki_renew_card_result *r)
{
    if (r->outcome != OUT_FAILED)
        return CLI_EXIT_OK;
    if (r->inquiry_needed)
        return CLI_EXIT_PIN;
    /* A pending key left behind is an interrupted renewal (resumable),
     * unless a PIN stopped it: that needs the holder, not a rerun. */
    if (r->left_pending && cli_exit_for(r->rc) != CLI_EXIT_PIN)
        return CLI_EXIT_INTERRUPTED;
    return cli_exit_for(r->rc);
}

void flow_run(const flow_opts *o, jpki_transport *t, const char *reader,
              const char *expect_serial, flow_result *res)
{
    jpki_renew_card(o, t, reader, expect_serial, &res->r);
    res->exit_code = flow_exit_code(&res->r);
}
