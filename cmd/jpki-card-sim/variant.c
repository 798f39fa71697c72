/* Card variants: the ATRs pcsc-tools' smartcard_list.txt lists for the My
 * Number Card, each with the content choices on which public sources
 * disagree.  One variant is chosen at --new and kept in the state file.
 * (pcsc-tools' contactless 3B 88 80 01 00 4B 51 FF ... is not offered: the
 * installed smartcard_list.txt does not name it, so ATR_analysis could not
 * confirm it.) */
#include <string.h>

#include "sim.h"

/* The last field: a no-data VERIFY on an already verified PIN answers 9000
 * (one source, which names no card).  Off on every variant listed: OpenSC's
 * jpki driver, which is used with real cards, takes any answer but 63Cx to
 * that query as an error, and its PKCS#11 login test fails on a card that
 * gives 9000 (seen in t_variant_opensc with it on the 3B F5 variants).
 *
 * Frame limits: a contact T=1 card and a PC/SC contactless reader both
 * carry short APDUs (Nc <= 255, Ne <= 256).  Only the card that announces
 * extended Lc/Le in its card capabilities (byte 3 bit 0x40) takes more. */
static const sim_variant variants[] = {
    {"contact", "contact interface, short APDUs (pcsc-tools: My Number Card)",
     {0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01, 0x00, 0x00}, 13,
     false, false, SIM_B4_LONG_FORM, SIM_COMMON_28_DIGITS, 0x00, false, false},
    {"contact-ext", "contact interface, extended length announced (capabilities C0)",
     {0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12, 0x39, 0x2F, 0x31, 0xC1,
      0x73, 0xC6, 0x01, 0xC0, 0x3B}, 19,
     false, true, SIM_B4_MINIMAL, SIM_COMMON_28_DIGITS, 0xFF, true, false},
    {"contact-f5-d1", "contact interface, 3B F5 ... D1 D6 card maker",
     {0x3B, 0xF5, 0x91, 0x00, 0xFF, 0x91, 0x81, 0x71, 0xFE, 0x40, 0x00, 0x42, 0x00, 0x01,
      0x00, 0xD1, 0xD6}, 17,
     false, false, SIM_B4_LONG_FORM, SIM_COMMON_13_CHARS, 0xFF, true, false},
    {"contact-f5-b3", "contact interface, 3B F5 ... B3 A1 15 card maker",
     {0x3B, 0xF5, 0x91, 0x00, 0xFF, 0x91, 0x81, 0x71, 0xFE, 0x40, 0x00, 0x42, 0x00, 0x01,
      0xB3, 0xA1, 0x15}, 17,
     false, false, SIM_B4_MINIMAL, SIM_COMMON_13_CHARS, 0x00, true, false},
    {"contactless", "contactless (ISO 14443-B) as a PC/SC reader builds the ATR from the ATQB",
     {0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F}, 13,
     true, false, SIM_B4_LONG_FORM, SIM_COMMON_28_DIGITS, 0x00, true, false},
    {"contactless-41", "contactless, ATQB application data 00 00 41 E0",
     {0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x41, 0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x3B}, 13,
     true, false, SIM_B4_MINIMAL, SIM_COMMON_28_DIGITS, 0xFF, true, false},
};

const sim_variant *sim_variant_find(const char *name)
{
    if (!name || !*name)
        return &variants[0]; /* state files written before variants existed */
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        if (strcmp(variants[i].name, name) == 0)
            return &variants[i];
    return NULL;
}

const sim_variant *sim_variant_at(size_t i)
{
    return i < sizeof variants / sizeof variants[0] ? &variants[i] : NULL;
}

const char *sim_variant_name(size_t i)
{
    const sim_variant *v = sim_variant_at(i);
    return v ? v->name : NULL;
}

const char *sim_variant_description(size_t i)
{
    const sim_variant *v = sim_variant_at(i);
    return v ? v->description : NULL;
}
