//! Keys and the entry codec: golden vectors (computed independently with Python's hashlib from
//! the byte layout in docs/cache-format.md), fault injection and property tests.

use cache_core::codec::{self, DecodeError, HEADER_LEN};
use cache_core::{Key, KeyError};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn key_golden_vectors() {
    // sha256(b"codetags-cache-key/v1\0" + u64le(len(name)) + name + u64le(len(args)) + args)
    let cases: [(Key, &str); 5] = [
        (
            Key::new("f", &()).unwrap(),
            "e0beeec71ac8aa2e03b740363b9dbf55cc189d513711983a01dc3ec87f3b4f3b",
        ),
        (
            Key::new("parse_file", &("src/lib.py", 42u64)).unwrap(),
            "3ace4fb83fd1ab4c6cc5a04c181bd59ebe6d6db39286c27e73b8eae1ef414e50",
        ),
        (
            Key::new("", &300u32).unwrap(),
            "ae44efb94ca3fcc5f947b00bf467e9383a6958ccd15dde0279a98fa1083bfb0a",
        ),
        (
            Key::new("scan_root", &(vec!["a", "bc"], true, -1i32)).unwrap(),
            "df3b8f910d333b890ccf2c0f426915b7a1ad88291e5a69f95b76ba7f894f1e0a",
        ),
        (
            Key::new("ünïcode", "héllo").unwrap(),
            "42aefd3cf10d33e016fe4e678a30340621ee1524e293c79608d7c4b4646fa5a5",
        ),
    ];
    for (key, expected) in cases {
        assert_eq!(key.to_hex(), expected);
        assert_eq!(key.to_string(), expected);
    }
}

#[test]
fn key_separates_name_from_arguments() {
    // Without length prefixes "ab" + "c" and "a" + "bc" could hash the same input.
    let a = Key::from_encoded_args("ab", b"c");
    let b = Key::from_encoded_args("a", b"bc");
    assert_ne!(a, b);
    assert_ne!(Key::new("f", &1u8).unwrap(), Key::new("g", &1u8).unwrap());
}

#[test]
fn key_of_unencodable_arguments_is_an_error() {
    struct UnknownLength;
    impl Serialize for UnknownLength {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            s.serialize_seq(None)?.end()
        }
    }
    let err = Key::new("f", &UnknownLength).unwrap_err();
    assert!(matches!(err, KeyError::Encode { ref name, .. } if name == "f"));
}

#[test]
fn entry_golden_vector() {
    let key = Key::new("parse_file", &("src/lib.py", 42u64)).unwrap();
    let bytes = codec::encode(&key, &vec![1u32, 2, 300], created(), false).unwrap();
    assert_eq!(
        hex(&bytes),
        "894354430d0a1a0a0100000000b6dbc597010000050000000000000005000000000000008d627dff\
         f18e1b973ace4fb83fd1ab4c6cc5a04c181bd59ebe6d6db39286c27e73b8eae1ef414e5016432a24\
         b38c276168f3bd0ea7f1bc00030102ac02"
    );
    let (value, header) = codec::decode::<Vec<u32>>(&bytes, &key).unwrap();
    assert_eq!(value, vec![1, 2, 300]);
    assert_eq!(header.created, created());
    assert_eq!(
        (header.payload_len, header.raw_len, header.gzip),
        (5, 5, false)
    );
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tag {
    line: u32,
    kind: String,
    fields: Vec<(String, String)>,
}

fn sample() -> Vec<Tag> {
    (0..20)
        .map(|i| Tag {
            line: i * 7,
            kind: ["TODO", "FIXME", "BUG"][i as usize % 3].to_owned(),
            fields: vec![("owner".to_owned(), format!("dev{i}"))],
        })
        .collect()
}

fn entries() -> Vec<(Key, Vec<u8>)> {
    let key = Key::new("scan", "root").unwrap();
    [false, true]
        .into_iter()
        .map(|gzip| {
            (
                key,
                codec::encode(&key, &sample(), created(), gzip).unwrap(),
            )
        })
        .collect()
}

#[test]
fn round_trip_plain_and_gzip() {
    for (key, bytes) in entries() {
        let (value, _) = codec::decode::<Vec<Tag>>(&bytes, &key).unwrap();
        assert_eq!(value, sample());
    }
}

#[test]
fn every_truncation_is_a_miss() {
    for (key, bytes) in entries() {
        for len in 0..bytes.len() {
            let result = codec::decode::<Vec<Tag>>(&bytes[..len], &key);
            assert!(
                matches!(result, Err(DecodeError::Length { .. })),
                "length {len}: {result:?}"
            );
        }
    }
}

#[test]
fn every_flipped_bit_is_a_miss() {
    for (key, bytes) in entries() {
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[i] ^= 1 << bit;
                assert!(
                    codec::decode::<Vec<Tag>>(&damaged, &key).is_err(),
                    "flipping bit {bit} of byte {i} went unnoticed"
                );
            }
        }
    }
}

#[test]
fn zero_fill_is_a_miss() {
    for (key, bytes) in entries() {
        // Whole file zeroed (the Windows NUL-fill failure mode), and only the payload zeroed.
        let zeros = vec![0u8; bytes.len()];
        assert_eq!(
            codec::decode::<Vec<Tag>>(&zeros, &key).unwrap_err(),
            DecodeError::Magic
        );
        let mut tail = bytes.clone();
        tail[HEADER_LEN..].fill(0);
        assert_eq!(
            codec::decode::<Vec<Tag>>(&tail, &key).unwrap_err(),
            DecodeError::Checksum
        );
    }
}

#[test]
fn wrong_magic_and_extra_bytes_are_misses() {
    for (key, bytes) in entries() {
        let mut foreign = bytes.clone();
        foreign[..8].copy_from_slice(b"PK\x03\x04zip!");
        assert_eq!(
            codec::decode::<Vec<Tag>>(&foreign, &key).unwrap_err(),
            DecodeError::Magic
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            codec::decode::<Vec<Tag>>(&longer, &key),
            Err(DecodeError::Length { .. })
        ));
    }
}

#[test]
fn a_value_of_another_type_is_a_miss() {
    // postcard alone would decode these bytes as a Vec<u8> or a String without complaint.
    let key = Key::new("f", &()).unwrap();
    let bytes = codec::encode(&key, &vec![104u8, 105], created(), false).unwrap();
    assert!(matches!(
        codec::decode::<String>(&bytes, &key),
        Err(DecodeError::WrongType { .. })
    ));
    assert!(matches!(
        codec::decode::<Vec<u8>>(&bytes, &key),
        Ok((ref v, _)) if v == &[104, 105]
    ));
}

#[test]
fn an_entry_of_another_key_is_a_miss() {
    let key = Key::new("f", &1u8).unwrap();
    let other = Key::new("f", &2u8).unwrap();
    let bytes = codec::encode(&other, &5u64, created(), true).unwrap();
    assert_eq!(
        codec::decode::<u64>(&bytes, &key).unwrap_err(),
        DecodeError::WrongKey(other)
    );
}

#[test]
fn gzip_flag_flip_is_caught_by_the_checksum_not_the_inflater() {
    let (key, bytes) = entries().remove(0);
    let mut flagged = bytes.clone();
    flagged[10] = codec::FLAG_GZIP;
    assert_eq!(
        codec::decode::<Vec<Tag>>(&flagged, &key).unwrap_err(),
        DecodeError::Checksum
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let key = Key::new("f", &()).unwrap();
        prop_assert!(codec::decode::<Vec<Tag>>(&bytes, &key).is_err());
        let _ = codec::read_header(&bytes);
    }

    #[test]
    fn decoding_arbitrary_bytes_behind_a_valid_looking_header_never_panics(
        payload in proptest::collection::vec(any::<u8>(), 0..300),
        gzip in any::<bool>(),
    ) {
        // A correct header and checksum over random payload: only postcard / inflate stand guard.
        let key = Key::new("f", &()).unwrap();
        let template = codec::encode(&key, &Vec::<Tag>::new(), created(), false).unwrap();
        let mut bytes = template[..HEADER_LEN].to_vec();
        bytes.extend_from_slice(&payload);
        bytes[10] = u8::from(gzip);
        bytes[20..28].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes[28..36].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        let sum = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(&bytes[..76]);
            h.update(&payload);
            h.finalize()
        };
        bytes[76..92].copy_from_slice(&sum[..16]);
        prop_assert!(codec::read_header(&bytes).is_ok());
        let _ = codec::decode::<Vec<Tag>>(&bytes, &key);
    }

    #[test]
    fn encode_decode_round_trip(
        lines in proptest::collection::vec((any::<u32>(), "\\PC{0,12}", "\\PC{0,8}"), 0..30),
        gzip in any::<bool>(),
        millis in 0i64..4_000_000_000_000,
        name in "\\PC{0,10}",
    ) {
        let value: Vec<Tag> = lines
            .into_iter()
            .map(|(line, kind, owner)| Tag { line, kind, fields: vec![("owner".to_owned(), owner)] })
            .collect();
        let key = Key::new(&name, &value.len()).unwrap();
        let created = DateTime::<Utc>::from_timestamp_millis(millis).unwrap();
        let bytes = codec::encode(&key, &value, created, gzip).unwrap();
        let (back, header) = codec::decode::<Vec<Tag>>(&bytes, &key).unwrap();
        prop_assert_eq!(back, value);
        prop_assert_eq!(header.created, created);
        prop_assert_eq!(header.gzip, gzip);
    }
}
