/* The card's layout: public JPKI layout (as public readers of the real card
 * use it) plus jpki-tools' own issuance profile for counter operations.
 * Single source of truth for the library, the tools and jpki-card-sim.
 * man/jpki-card-profile.7 documents the same. */
#ifndef JPKI_PROFILE_H
#define JPKI_PROFILE_H

#include <stdint.h>

/* ---- application identifiers ---- */
#define JPKI_AID_JPKI      0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01
#define JPKI_AID_CARDINFO  0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08
#define JPKI_AID_VISUAL    0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02
#define JPKI_AID_REGISTRY  0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01
#define JPKI_AID_COMMON    0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00
#define JPKI_AID_LEN 10

/* ---- JPKI application elementary files ---- */
#define JPKI_EF_AUTH_CERT    0x000A
#define JPKI_EF_AUTH_CA_CERT 0x000B
#define JPKI_EF_SIGN_CERT    0x0001 /* readable only after the sign PIN */
#define JPKI_EF_SIGN_CA_CERT 0x0002
#define JPKI_EF_AUTH_KEY     0x0017
#define JPKI_EF_AUTH_PIN     0x0018
#define JPKI_EF_SIGN_KEY     0x001A
#define JPKI_EF_SIGN_PIN     0x001B
#define JPKI_EF_TOKEN        0x0006 /* "JPKIAPICCTOKEN2" */
#define JPKI_EF_CERT_FLAGS   0x0008 /* 3 bytes; 8F 8F 00 = both certs present */

/* ---- other applications ---- */
#define JPKI_EF_CARDINFO_MYNUMBER 0x0001
#define JPKI_EF_CARDINFO_BASIC4   0x0002
#define JPKI_EF_CARDINFO_PIN      0x0011
#define JPKI_EF_REGISTRY_PIN      0x001C
#define JPKI_EF_COMMON_RECORD     0x0001 /* serial(15) municipality(5) expiry YYYYMMDD, ASCII */
#define JPKI_SFI_COMMON_RECORD    0x01   /* READ RECORD 00 B2 01 0C: SFI 1, record 1 */

#define JPKI_TOKEN_MYNUMBER "JPKIAPICCTOKEN2"
#define JPKI_CERT_FLAG_PRESENT 0x8F

/* ---- PIN rules (the real card's) ---- */
#define JPKI_PIN4_LEN 4
#define JPKI_PIN4_TRIES 3
#define JPKI_SIGN_PW_MIN 6
#define JPKI_SIGN_PW_MAX 16
#define JPKI_SIGN_PW_TRIES 5
#define JPKI_PIN_P2 0x80 /* VERIFY / CHANGE / RESET P2 for the selected PIN EF */

/* ---- instructions ---- */
#define JPKI_INS_SELECT          0xA4
#define JPKI_INS_READ_BINARY     0xB0
#define JPKI_INS_READ_RECORD     0xB2
#define JPKI_INS_UPDATE_BINARY   0xD6
#define JPKI_INS_VERIFY          0x20
#define JPKI_INS_CHANGE_REF      0x24
#define JPKI_INS_DISABLE_VERIF   0x26
#define JPKI_INS_ENABLE_VERIF    0x28
#define JPKI_INS_RESET_RETRY     0x2C
#define JPKI_INS_GET_CHALLENGE   0x84
#define JPKI_INS_MUTUAL_AUTH     0x82
#define JPKI_INS_GEN_KEYPAIR     0x47
#define JPKI_INS_ACTIVATE_FILE   0x44
#define JPKI_INS_GET_DATA        0xCA
#define JPKI_INS_GET_RESPONSE    0xC0
#define JPKI_INS_COMPUTE_SIG     0x2A /* CLA 80: proprietary signature */
#define JPKI_CLA_PROPRIETARY     0x80

/* ===== Issuance profile (jpki-tools' own; the real one is not public) =====
 *
 * Issuer session.  AES-128 issuer key K, mutual challenge-response:
 *   GET CHALLENGE      00 84 00 00 08           -> RC (8 random bytes)
 *   MUTUAL AUTHENTICATE 00 82 00 00 18 RH(8) || CMAC_K(01 || RC || RH)
 *                                               -> CMAC_K(02 || RH || RC) (16)
 * A wrong MAC answers 6300 and forgets RC; MUTUAL AUTHENTICATE without a
 * fresh challenge answers 6985.  The session lasts until the card is reset
 * or powered off.  Commands below marked [issuer] answer 6982 without it.
 *
 * Key generation [issuer + that key's PIN verified; on a face-authentication
 * card, where no PIN can be verified, the issuer session alone suffices for
 * the AUTH key (the counter checks the face instead)]: select the key EF, then
 *   GENERATE ASYMMETRIC KEY PAIR 00 47 80 00 00 -> public key (pending slot)
 *   00 47 81 00 00  reads the pending public key again (6A88 if none)
 * Public key encoding: 7F49 L { 81 L modulus, 82 L exponent } (BER).
 * It is longer than 256 bytes: the card answers 61xx and the host uses
 * GET RESPONSE.
 * Signing with the pending key (for the CSR) [same conditions as generation]:
 *   80 2A 00 81 Lc DigestInfo 00  (P2 81 = pending key; 80 = active key)
 *
 * Certificate write [issuer]: select the certificate EF (000A / 0001), then
 *   UPDATE BINARY 00 D6 off_hi off_lo Lc data  into the pending certificate
 *   buffer (max JPKI_CERT_MAX; offset 0 starts a new buffer);
 *   ACTIVATE FILE 00 44 00 00: the pending certificate must parse and its
 *   public key must equal the pending key, else 6A80 and nothing changes;
 *   then key and certificate are replaced together and pending is cleared.
 *
 * PIN reset [issuer]: select the PIN EF, then
 *   RESET RETRY COUNTER 00 2C 00 80 Lc newPIN  new reference data + full tries
 *   RESET RETRY COUNTER 00 2C 03 80            tries reset, PIN kept (unblock)
 * Signature password (001B): the real rule is that a reset means the
 * signature certificate is re-issued: P1 00 also deletes the signature key
 * and certificate (flags 8F 00 00); P1 03 is refused with 6985.
 *
 * Face-authentication mode [issuer] (whole card, one command each way):
 *   DISABLE VERIFICATION REQUIREMENT 00 26 00 00  -> face mode: every PIN
 *     disabled (VERIFY answers 6984), signature key/cert/PIN deleted.
 *   ENABLE VERIFICATION REQUIREMENT 00 28 00 00 Lc
 *     81 L authPIN 82 L signPW 83 L cardinfoPIN 84 L registryPIN
 *     -> PIN mode with those PINs and full tries; the signature certificate
 *        stays absent until it is issued again.
 *
 * Issuance status [issuer]: GET DATA 00 CA DF 30 00 ->
 *   DF30 0C { mode(1) auth(5) sign(5) reserved(1) }
 *   mode: 00 PIN card, 01 face-auth card
 *   per key: flags(1) pending_cert_len(2, BE) active_cert_len(2, BE)
 *     flags bit0 active key present, bit1 pending key present,
 *           bit2 pending certificate bytes written
 *
 * Reading (public layout, as jpki-card-sim answers): READ BINARY is short
 * only (no extended length; at most 256 bytes per APDU).  Reading at or past
 * the end of an EF answers 6B00; a read crossing the end returns the
 * remaining bytes with 6282.  A certificate EF with no certificate (the
 * signature certificate after a password reset or in face mode) answers
 * READ BINARY with 6A88 (the EF itself stays selectable for UPDATE BINARY).
 * Verified PINs belong to their application: selecting another application
 * drops them, as does a reset/power-off.
 */
#define JPKI_CERT_MAX 4096
#define JPKI_P2_ACTIVE_KEY 0x80
#define JPKI_P2_PENDING_KEY 0x81
#define JPKI_GENKEY_P1_GENERATE 0x80
#define JPKI_GENKEY_P1_READ 0x81
#define JPKI_RESET_P1_NEW_PIN 0x00
#define JPKI_RESET_P1_UNBLOCK 0x03
#define JPKI_ISSUER_KEY_LEN 16
#define JPKI_CHALLENGE_LEN 8
#define JPKI_MAC_LEN 16
#define JPKI_MUTUAL_TAG_HOST 0x01
#define JPKI_MUTUAL_TAG_CARD 0x02
#define JPKI_GETDATA_STATUS_P1 0xDF
#define JPKI_GETDATA_STATUS_P2 0x30
#define JPKI_STATUS_LEN 12
#define JPKI_KEYFLAG_ACTIVE 0x01
#define JPKI_KEYFLAG_PENDING 0x02
#define JPKI_KEYFLAG_PENDING_CERT 0x04
#define JPKI_FACE_TAG_AUTH 0x81
#define JPKI_FACE_TAG_SIGN 0x82
#define JPKI_FACE_TAG_CARDINFO 0x83
#define JPKI_FACE_TAG_REGISTRY 0x84

/* ATR of the virtual card: the one OpenSC's jpki driver recognises. */
#define JPKI_ATR 0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14
#define JPKI_ATR_LEN 9

#endif
