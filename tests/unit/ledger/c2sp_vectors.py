"""Golden vectors for the C2SP formats, each with how it was derived.

Own vectors were made with OpenSSL and coreutils only (no coldcheck code), from two fixed
Ed25519 seeds; Ed25519 is deterministic, so the signatures are golden:

    LOG=000102...1f   (bytes 0..31)       WIT=202122...3f   (bytes 32..63)
    echo 302e020100300506032b657004220420$LOG | xxd -r -p > log.der
    openssl pkey -inform DER -in log.der -out log.pem
    openssl pkey -in log.pem -pubout -outform DER | tail -c 32 > log.pub
    (the same for the witness: w.der, w.pem, w.pub)

Vectors quoted from the C2SP documents themselves are byte for byte as published.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LOG_SEED = bytes(range(32))
WITNESS_SEED = bytes(range(32, 64))


def log_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(LOG_SEED)


def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(WITNESS_SEED)


# xxd -p -c 64 log.pub
LOG_PUBLIC_HEX = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
ORIGIN = "coldcheck.example/dry-gulch"
# { printf '%s\n\001' "$ORIGIN"; cat log.pub; } | sha256sum | head -c 8
LOG_KEY_ID = "60d83ec4"
# { printf '\001'; cat log.pub; } | base64 -w0
LOG_VKEY = f"{ORIGIN}+{LOG_KEY_ID}+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"

# The root of the RFC 6962 reference tree of 8 leaves (see test_proofs.py), base64:
# echo 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328 | xxd -r -p | base64
ROOT_8_HEX = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
ROOT_8_B64 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
# printf '%s\n8\n%s\n' "$ORIGIN" "$ROOT_8_B64" > cp.txt
CHECKPOINT_TEXT = f"{ORIGIN}\n8\n{ROOT_8_B64}\n"
# openssl pkeyutl -sign -rawin -inkey log.pem -in cp.txt > cp.sig
# { echo $LOG_KEY_ID | xxd -r -p; cat cp.sig; } | base64 -w0
CHECKPOINT_SIG_B64 = (
    "YNg+xKizLGrdsBFrzpQcSJ7v1MBGVy6CbFYJpbVsnA0jrwxmeBVd5ykvcuzZ8EUn74SHb++kR+LV4nzt+i1UpnZnwwk="
)
CHECKPOINT_NOTE = f"{CHECKPOINT_TEXT}\n\u2014 {ORIGIN} {CHECKPOINT_SIG_B64}\n".encode()

# xxd -p -c 64 w.pub
WITNESS_PUBLIC_HEX = "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
WITNESS_NAME = "witness.insurer.example/w1"
# { printf '%s\n\004' "$WITNESS_NAME"; cat w.pub; } | sha256sum | head -c 8
WITNESS_KEY_ID = "bb5346b5"
# { printf '\004'; cat w.pub; } | base64 -w0
WITNESS_VKEY = f"{WITNESS_NAME}+{WITNESS_KEY_ID}+BCmsuuFBvMrwsi4alNNNC8c2HlJtC/4SyJeUvJMilm3X"
COSIGNATURE_TIME = 1634860800  # 2021-10-22T00:00:00Z; printf '%016x' -> 000000006171ff00
# { printf 'cosignature/v1\ntime 1634860800\n'; cat cp.txt; } > cosig.msg
# openssl pkeyutl -sign -rawin -inkey w.pem -in cosig.msg > cosig.sig
# { echo $WITNESS_KEY_ID | xxd -r -p; printf '%016x' 1634860800 | xxd -r -p; cat cosig.sig; }
#   | base64 -w0
COSIGNATURE_B64 = (
    "u1NGtQAAAABhcf8AfgWJpvZBHQ6QIeLmDUt9hG1Dxob+TqmmNgELovh+tJSQpxQhVhKAjU8ehjImlb1pXz6R"
    "GPUydnVLk8SpBpKBAQ=="
)
COSIGNATURE_LINE = f"\u2014 {WITNESS_NAME} {COSIGNATURE_B64}\n"
COSIGNED_NOTE = CHECKPOINT_NOTE + COSIGNATURE_LINE.encode()

# A tlog-proof file for leaf 5 (bytes 40 41 42 43) of the RFC 6962 reference tree of 8, whose
# audit path is [bc1a06..., ca854e..., root of 4 = d37ee4...] (test_proofs.py), each hash as
# echo <hex> | xxd -r -p | base64 ; the extra data is printf 'dry-gulch W-0001' | base64
LEAF_5 = bytes([0x40, 0x41, 0x42, 0x43])
PATH_5 = [
    "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
    "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
    "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
]
EXTRA = b"dry-gulch W-0001"
# { printf 'c2sp.org/tlog-proof@v1\nextra %s\nindex 5\n%s\n%s\n%s\n\n' \
#       "$(printf 'dry-gulch W-0001' | base64)" $PATH_5; cat cp.txt;
#   printf '\n— %s %s\n— %s %s\n' "$ORIGIN" "$CHECKPOINT_SIG_B64" "$WITNESS_NAME" \
#       "$COSIGNATURE_B64"; } > proof.tlog-proof; sha256sum proof.tlog-proof
TLOG_PROOF = (
    "c2sp.org/tlog-proof@v1\n"
    "extra ZHJ5LWd1bGNoIFctMDAwMQ==\n"
    "index 5\n" + "".join(f"{h}\n" for h in PATH_5) + "\n"
).encode() + COSIGNED_NOTE
TLOG_PROOF_SHA256 = "a21e7dcd0d7cc655f9c2d0eb87342ed01cab45ad31486136fb43abca3e58a2ae"

# Consistency proof 6 -> 8 of the reference tree (test_proofs.py), base64 as above; and the
# root of 6: echo 76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef | ...
CONSISTENCY_6_8 = [
    "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=",
    "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=",
    "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
]
ROOT_6_B64 = "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8="


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


# --- quoted from the C2SP documents --------------------------------------------------------

# c2sp.org/signed-note, "Verifier keys", Example: this vkey verifies this note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_VKEY_NOTE = (
    "This is an example message.\n"
    "\n"
    "\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3"
    "mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()

# c2sp.org/signed-note, the opening example (its key is not published: structure only).
SPEC_POEM_NOTE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed è subito sera.\n"
    "\n"
    "\u2014 quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKON"
    "rMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
).encode()

# c2sp.org/tlog-checkpoint and tlog-cosignature: the example checkpoint and its cosignature.
SPEC_CHECKPOINT_TEXT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_LOG_LINE = (
    "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
)
SPEC_COSIGNATURE_LINE = (
    "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dl"
    "rDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
# tlog-cosignature, "Signed message": the message for the example at time 1679315147.
SPEC_COSIGNED_MESSAGE = b"cosignature/v1\ntime 1679315147\n" + SPEC_CHECKPOINT_TEXT.encode()

# tlog-witness, add-checkpoint: the example request body (two log signatures).
SPEC_REQUEST = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n" + SPEC_CHECKPOINT_TEXT + "\n" + SPEC_LOG_LINE + "\u2014 example.com/behind-the-sofa "
    "opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n"
).encode()
# tlog-witness, add-checkpoint: the example response body (three cosignature lines).
SPEC_RESPONSE = (
    "\u2014 witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSv"
    "VjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
    "\u2014 witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64"
    "vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n"
    "\u2014 witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKb"
    "YKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n"
).encode()

# tlog-proof: the example's lines before the checkpoint (its signatures are elided "[...]").
SPEC_PROOF_HEAD = (
    b"c2sp.org/tlog-proof@v1\n"
    b"extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\n"
    b"index 73894\n"
    b"gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\n"
    b"B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\n"
    b"EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\n"
    b"RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\n"
    b"AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n"
    b"\n"
    b"example.com/fancylog\n"
    b"109482\n"
    b"sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n"
)
SPEC_PROOF_ELIDED_SIGNATURES = (
    "\n"
    "\u2014 example.com/fancylog hI2DJw[...]1roloI=\n"
    "\u2014 witness1.example mJirIklj[...]qY9v2B/5bg==\n"
    "\u2014 witness2.example TnKKVHLX[...]xwYwrSjgow==\n"
    "\u2014 witness3.example S4X82uH5[...]3oEcROGLFQ==\n"
).encode()

# golang.org/x/mod/sumdb/note's test data (TestSign / TestNewVerifier): the same key and text
# in Go's implementation give this vkey and this note; a cross-check of key IDs and signing.
GO_SKEY_SEED_B64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # 0x01 || Ed25519 seed
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()
