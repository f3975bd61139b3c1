//! postcard for the project's own serde-derived types, which leave out fields at
//! their default (`skip_serializing_if`): right for JSON, where a missing field
//! reads back as its default, but postcard has no field names, so a skipped field
//! would shift every later one. This adapter writes a skipped field as one zero
//! byte, which is how postcard writes `None`, `false`, `0`, an empty string or
//! list, and an enum's first variant: every default the project skips. A type
//! whose skipped default is something else (or that needs `flatten` or internal
//! tags) does not read back the same, which `encode_checked` catches; the cache
//! then keeps that value as JSON instead. Fields that other changes add flow
//! through with no change here.
//!
//! It also keeps strings small (`Text`): the names that repeat across disputes
//! (agencies, categories, policies and their hashes, the policy's duties) once
//! each in a table the whole file shares, each use an index into it; a time in
//! the journal's own RFC 3339 form as its digits; a SHA-256 in hex as its 32
//! bytes. Each form reads back to exactly the text written, by construction.

use std::collections::HashMap;
use std::sync::RwLock;

use serde::de::{
    DeserializeOwned, DeserializeSeed, EnumAccess, Error as _, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Fields whose text repeats from dispute to dispute: kept once in the table.
/// A child's reference or a dispute's ID is not (it would only grow the table);
/// a summary or an outcome often is, and the table's bound keeps the rest.
const SHARED: &[&str] = &[
    "summary",
    "outcome",
    "policy",
    "policy_hash",
    "from",
    "with",
    "category",
    "who",
    "action",
    "after",
    "condition",
    "subject_kind",
    "opened_as",
];

/// The same for fields whose name is shared with others that are not: the
/// policy's duty names, not the dispute's ID.
const SHARED_IN: &[(&str, &str)] = &[("ObligationState", "id")];

/// How many strings, and bytes of them, the table takes before new ones are
/// kept in place instead: a bound on memory whatever the data.
const TABLE_STRINGS: usize = 1 << 16;
const TABLE_BYTES: usize = 1 << 20;

/// The strings entries refer to by index. Entries already written refer to a
/// prefix of it, so strings are only ever added.
#[derive(Debug, Default)]
pub struct Table {
    strings: Vec<String>,
    index: HashMap<String, u32>,
    bytes: usize,
}

impl Table {
    pub(crate) fn from_strings(strings: Vec<String>) -> Option<Table> {
        let mut t = Table::default();
        for s in strings {
            if t.index.contains_key(&s) {
                return None;
            }
            t.add(s);
        }
        Some(t)
    }

    fn add(&mut self, s: String) -> u32 {
        let i = self.strings.len() as u32;
        self.bytes += s.len();
        self.index.insert(s.clone(), i);
        self.strings.push(s);
        i
    }

    pub(crate) fn strings(&self) -> &[String] {
        &self.strings
    }

    fn get(&self, i: u32) -> Option<&str> {
        self.strings.get(i as usize).map(String::as_str)
    }

    fn intern(&mut self, s: &str) -> Option<u32> {
        if let Some(&i) = self.index.get(s) {
            return Some(i);
        }
        (self.strings.len() < TABLE_STRINGS && self.bytes + s.len() <= TABLE_BYTES)
            .then(|| self.add(s.to_owned()))
    }
}

/// The table as the threads that encode and decode entries share it: reading
/// takes no turn, adding a string does. `lineage` names this table and the
/// tables grown from it: an entry's authentication covers it, so an entry is
/// never read against another file's strings (entries refer to strings by
/// number, and two caches built afresh number them differently).
#[derive(Debug)]
pub struct Shared(RwLock<Table>, [u8; 16]);

impl Default for Shared {
    /// An empty table with a new lineage.
    fn default() -> Shared {
        let mut lineage = [0u8; 16];
        if getrandom::fill(&mut lineage).is_err() {
            // Only tells tables apart: the time and process will do.
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            lineage[..8].copy_from_slice(&(t as u64).to_le_bytes());
            lineage[8..12].copy_from_slice(&std::process::id().to_le_bytes());
        }
        Shared(RwLock::default(), lineage)
    }
}

impl Shared {
    pub fn new(table: Table, lineage: [u8; 16]) -> Shared {
        Shared(RwLock::new(table), lineage)
    }

    pub(crate) fn lineage(&self) -> &[u8; 16] {
        &self.1
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.0.read().unwrap_or_else(|p| p.into_inner())
    }

    fn intern(&self, s: &str) -> Option<u32> {
        if let Some(&i) = self.read().index.get(s) {
            return Some(i);
        }
        self.0.write().unwrap_or_else(|p| p.into_inner()).intern(s)
    }
}

/// How one string is kept.
#[derive(Debug, Serialize, Deserialize)]
enum Text<'a> {
    /// The empty string: first, so the zero byte of a skipped field reads as it.
    Empty,
    /// As it is.
    #[serde(borrow)]
    Inline(&'a str),
    /// The string at this index of the table.
    Table(u32),
    /// `YYYY-MM-DDTHH:MM:SS+HH:MM` (or `-HH:MM`): the fourteen digits as one
    /// number, and the offset's sign and four digits as one.
    Time(u64, i16),
    /// Sixty-four lowercase hex digits.
    Hex([u8; 32]),
}

/// The time form of `s`, if it has exactly that shape.
fn time_of(s: &str) -> Option<(u64, i16)> {
    let b = s.as_bytes();
    if b.len() != 25 {
        return None;
    }
    let shape = b"dddd-dd-ddTdd:dd:dd+dd:dd";
    let mut digits = 0u64;
    let mut offset = 0i16;
    for (i, (&c, &want)) in b.iter().zip(shape).enumerate() {
        match want {
            b'd' if c.is_ascii_digit() && i < 19 => digits = digits * 10 + u64::from(c - b'0'),
            b'd' if c.is_ascii_digit() => offset = offset * 10 + i16::from(c - b'0'),
            b'+' if c == b'+' || c == b'-' => {}
            _ if c == want && want != b'd' => {}
            _ => return None,
        }
    }
    // +00:00 and -00:00 differ as text; -0 would not tell them apart.
    let sign = if b[19] == b'-' { -1 } else { 1 };
    Some((digits, sign * (offset + 1)))
}

fn time_text(digits: u64, offset: i16) -> Option<String> {
    if digits >= 100_000_000_000_000 || offset == 0 || offset.unsigned_abs() > 10_000 {
        return None;
    }
    // Written digit by digit: this runs for every time of every state read.
    let mut out = *b"0000-00-00T00:00:00+00:00";
    let mut fill = |positions: &[usize], mut n: u64| {
        for &p in positions.iter().rev() {
            out[p] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    fill(&[0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18], digits);
    let o = offset.unsigned_abs() - 1;
    fill(&[20, 21, 23, 24], u64::from(o));
    if offset < 0 {
        out[19] = b'-';
    }
    String::from_utf8(out.to_vec()).ok()
}

fn hex_of(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

fn hex_text(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// `value` as postcard, skipped fields written as a zero byte and strings as
/// `Text` against `table`.
pub(super) fn encode<T: Serialize + ?Sized>(value: &T, table: &Shared) -> Option<Vec<u8>> {
    postcard::to_allocvec(&Full {
        value,
        table,
        shared: false,
    })
    .ok()
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8], table: &Shared) -> Option<T> {
    decode_prefix(bytes, table).and_then(|(value, rest)| rest.is_empty().then_some(value))
}

/// A value from the start of `bytes`, and the bytes after it.
pub(super) fn decode_prefix<'b, T: DeserializeOwned>(
    bytes: &'b [u8],
    table: &Shared,
) -> Option<(T, &'b [u8])> {
    let table = table.read();
    let mut de = postcard::Deserializer::from_bytes(bytes);
    let value = T::deserialize(De {
        d: &mut de,
        table: &table,
    })
    .ok()?;
    Some((value, de.finalize().ok()?))
}

/// The first string of an encoding (an entry's ID), if it is kept in place.
pub(super) fn first_inline(bytes: &[u8]) -> Option<&str> {
    match postcard::take_from_bytes::<Text>(bytes).ok()?.0 {
        Text::Inline(s) => Some(s),
        Text::Empty => Some(""),
        _ => None,
    }
}

/// `value` as postcard only if it reads back as exactly what was written, judged
/// by the JSON both give (a misread zero can re-encode to the same bytes).
pub(super) fn encode_checked<T: Serialize + DeserializeOwned>(
    value: &T,
    table: &Shared,
) -> Option<Vec<u8>> {
    let bytes = encode(value, table)?;
    let back: T = decode(&bytes, table)?;
    (serde_json::to_vec(&back).ok()? == serde_json::to_vec(value).ok()?).then_some(bytes)
}

/// A value whose serialisation goes through the adapter, nested values included;
/// `shared`: its strings belong in the table.
struct Full<'a, 't, T: ?Sized> {
    value: &'a T,
    table: &'t Shared,
    shared: bool,
}

impl<T: Serialize + ?Sized> Serialize for Full<'_, '_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Ser {
            s,
            table: self.table,
            shared: self.shared,
        })
    }
}

struct Ser<'t, S> {
    s: S,
    table: &'t Shared,
    shared: bool,
}

impl<'t, S> Ser<'t, S> {
    fn full<'a, T: ?Sized>(&self, value: &'a T, shared: bool) -> Full<'a, 't, T> {
        Full {
            value,
            table: self.table,
            shared,
        }
    }
}

/// The compound serialisers of `S`, passing each element through the adapter.
struct Parts<'t, C> {
    c: C,
    table: &'t Shared,
    /// The struct's name, for `SHARED_IN`.
    name: &'static str,
}

impl<'t, C> Parts<'t, C> {
    fn full<'a, T: ?Sized>(&self, value: &'a T, shared: bool) -> Full<'a, 't, T> {
        Full {
            value,
            table: self.table,
            shared,
        }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.s.$method($($arg),*)
        })*
    };
}

impl<'t, S: Serializer> Serializer for Ser<'t, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Parts<'t, S::SerializeSeq>;
    type SerializeTuple = Parts<'t, S::SerializeTuple>;
    type SerializeTupleStruct = Parts<'t, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Parts<'t, S::SerializeTupleVariant>;
    type SerializeMap = Parts<'t, S::SerializeMap>;
    type SerializeStruct = Parts<'t, S::SerializeStruct>;
    type SerializeStructVariant = Parts<'t, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        let interned = if self.shared {
            self.table.intern(v)
        } else {
            None
        };
        let text = match (interned, time_of(v), hex_of(v)) {
            (Some(i), _, _) => Text::Table(i),
            (None, Some((digits, offset)), _) => Text::Time(digits, offset),
            (None, None, Some(bytes)) => Text::Hex(bytes),
            (None, None, None) if v.is_empty() => Text::Empty,
            (None, None, None) => Text::Inline(v),
        };
        text.serialize(self.s)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        let full = self.full(v, self.shared);
        self.s.serialize_some(&full)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        let full = self.full(v, self.shared);
        self.s.serialize_newtype_struct(name, &full)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        let full = self.full(v, false);
        self.s
            .serialize_newtype_variant(name, index, variant, &full)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let table = self.table;
        self.s
            .serialize_seq(len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let table = self.table;
        self.s
            .serialize_tuple(len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let table = self.table;
        self.s
            .serialize_tuple_struct(name, len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let table = self.table;
        self.s
            .serialize_tuple_variant(name, index, variant, len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let table = self.table;
        self.s
            .serialize_map(len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let table = self.table;
        self.s
            .serialize_struct(name, len)
            .map(|c| Parts { c, table, name })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let table = self.table;
        self.s
            .serialize_struct_variant(name, index, variant, len)
            .map(|c| Parts { c, table, name: "" })
    }

    fn is_human_readable(&self) -> bool {
        self.s.is_human_readable()
    }
}

macro_rules! parts {
    ($trait:ident, $method:ident) => {
        impl<C: $trait> $trait for Parts<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
                let full = self.full(v, false);
                self.c.$method(&full)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.c.end()
            }
        }
    };
}

parts!(SerializeSeq, serialize_element);
parts!(SerializeTuple, serialize_element);
parts!(SerializeTupleStruct, serialize_field);
parts!(SerializeTupleVariant, serialize_field);

impl<C: SerializeMap> SerializeMap for Parts<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), C::Error> {
        let full = self.full(k, false);
        self.c.serialize_key(&full)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        let full = self.full(v, false);
        self.c.serialize_value(&full)
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.c.end()
    }
}

macro_rules! fields {
    ($trait:ident) => {
        impl<C: $trait> $trait for Parts<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), C::Error> {
                let shared = SHARED.contains(&key) || SHARED_IN.contains(&(self.name, key));
                let full = self.full(v, shared);
                self.c.serialize_field(key, &full)
            }
            /// A skipped field still takes its place, as a zero.
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.c.serialize_field(key, &0u8)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.c.end()
            }
        }
    };
}

fields!(SerializeStruct);
fields!(SerializeStructVariant);

/// A deserializer reading what `Ser` wrote: strings from their `Text`, every
/// nested value through the adapter too.
struct De<'t, D> {
    d: D,
    table: &'t Table,
}

/// The same for a visitor, a seed and the accessors serde hands them.
struct Wrap<'t, X> {
    x: X,
    table: &'t Table,
}

impl<'t, X> Wrap<'t, X> {
    fn new(x: X, table: &'t Table) -> Self {
        Wrap { x, table }
    }
}

impl<'t, D> De<'t, D> {
    fn wrap<X>(&self, x: X) -> Wrap<'t, X> {
        Wrap::new(x, self.table)
    }
}

macro_rules! de_forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* v: V) -> Result<V::Value, D::Error> {
            let v = self.wrap(v);
            self.d.$method($($arg,)* v)
        })*
    };
}

impl<'de, D: Deserializer<'de>> De<'_, D> {
    fn text<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        match Text::deserialize(self.d)? {
            Text::Empty => v.visit_borrowed_str(""),
            Text::Inline(s) => v.visit_borrowed_str(s),
            Text::Table(i) => match self.table.get(i) {
                Some(s) => v.visit_str(s),
                None => Err(D::Error::custom("a string index past the table")),
            },
            Text::Time(digits, offset) => match time_text(digits, offset) {
                Some(s) => v.visit_string(s),
                None => Err(D::Error::custom("a time out of range")),
            },
            Text::Hex(bytes) => v.visit_string(hex_text(&bytes)),
        }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for De<'_, D> {
    type Error = D::Error;

    de_forward! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.text(v)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.text(v)
    }

    fn is_human_readable(&self) -> bool {
        self.d.is_human_readable()
    }
}

macro_rules! visit_forward {
    ($($method:ident($ty:ty);)*) => {
        $(fn $method<E: serde::de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.x.$method(v)
        })*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.x.expecting(f)
    }

    visit_forward! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.x.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.x.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.x.visit_some(De {
            d,
            table: self.table,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.x.visit_newtype_struct(De {
            d,
            table: self.table,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.x.visit_seq(Wrap::new(a, self.table))
    }

    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.x.visit_map(Wrap::new(a, self.table))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, a: A) -> Result<V::Value, A::Error> {
        self.x.visit_enum(Wrap::new(a, self.table))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.x.deserialize(De {
            d,
            table: self.table,
        })
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.x.next_element_seed(Wrap::new(seed, self.table))
    }

    fn size_hint(&self) -> Option<usize> {
        self.x.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.x.next_key_seed(Wrap::new(seed, self.table))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.x.next_value_seed(Wrap::new(seed, self.table))
    }

    fn size_hint(&self) -> Option<usize> {
        self.x.size_hint()
    }
}

impl<'de, 't, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<'t, A> {
    type Error = A::Error;
    type Variant = Wrap<'t, A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let table = self.table;
        let (value, variant) = self.x.variant_seed(Wrap::new(seed, table))?;
        Ok((value, Wrap::new(variant, table)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.x.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.x.newtype_variant_seed(Wrap::new(seed, self.table))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
        self.x.tuple_variant(len, Wrap::new(v, self.table))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, A::Error> {
        self.x.struct_variant(fields, Wrap::new(v, self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sparse {
        a: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        b: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        c: Vec<u32>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        d: bool,
        e: String,
    }

    #[test]
    fn skipped_defaults_keep_their_place() {
        let t = Shared::default();
        let v = Sparse {
            a: 7,
            b: None,
            c: vec![],
            d: false,
            e: "x".into(),
        };
        // Plain postcard shifts `e` into `b`'s place and cannot read it back.
        let plain = postcard::to_allocvec(&v).unwrap();
        assert_ne!(
            postcard::from_bytes::<Sparse>(&plain).ok().as_ref(),
            Some(&v)
        );
        assert_eq!(
            decode::<Sparse>(&encode_checked(&v, &t).unwrap(), &t).unwrap(),
            v
        );
        let full = Sparse {
            b: Some("y".into()),
            c: vec![1, 2],
            d: true,
            ..v
        };
        assert_eq!(
            decode::<Sparse>(&encode_checked(&full, &t).unwrap(), &t).unwrap(),
            full
        );
    }

    #[test]
    fn a_skipped_value_that_is_not_zero_is_caught() {
        #[derive(Serialize, Deserialize)]
        struct Odd {
            #[serde(default = "seven", skip_serializing_if = "is_seven")]
            n: u32,
            s: String,
        }
        fn seven() -> u32 {
            7
        }
        fn is_seven(n: &u32) -> bool {
            *n == 7
        }
        assert!(encode_checked(
            &Odd {
                n: 7,
                s: "x".into()
            },
            &Shared::default()
        )
        .is_none());
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Named {
        from: String,
        with: Option<String>,
        child: String,
        at: String,
        hash: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
        list: Vec<String>,
    }

    #[test]
    fn strings_read_back_exactly_in_every_form() {
        let t = Shared::default();
        let hash = "84d29430b4ebea187b97a0ecc61975356e5bdfbb670a87150f91a96f6256eace";
        let one = Named {
            from: "Health Visiting".into(),
            with: Some("Police".into()),
            child: "LCS-61928".into(),
            at: "2025-03-17T23:12:04+01:00".into(),
            hash: hash.into(),
            note: String::new(),
            list: vec![
                "2025-03-17T23:12:04-00:00".into(),
                "".into(),
                hash.to_uppercase(),
            ],
        };
        let bytes = encode_checked(&one, &t).unwrap();
        assert_eq!(decode::<Named>(&bytes, &t).unwrap(), one);
        // The agencies are in the table, once, and the rest is small.
        assert_eq!(t.read().strings(), ["Health Visiting", "Police"]);
        assert!(bytes.len() < 150, "{}", bytes.len());
        let two = Named {
            with: None,
            at: "2025-03-17T23:12:04.5+01:00".into(),
            note: "x".into(),
            ..one
        };
        assert_eq!(
            decode::<Named>(&encode_checked(&two, &t).unwrap(), &t).unwrap(),
            two
        );
        assert_eq!(t.read().strings().len(), 2);
        // An index the table does not have is not read as anything.
        assert!(decode::<Named>(&bytes, &Shared::default()).is_none());
    }

    #[test]
    fn only_exact_times_and_hashes_are_packed() {
        for s in [
            "2025-03-17T23:12:04+00:00",
            "2025-03-17T23:12:04-00:00",
            "0000-00-00T00:00:00-99:99",
        ] {
            let (d, o) = time_of(s).unwrap();
            assert_eq!(time_text(d, o).as_deref(), Some(s));
        }
        for s in [
            "2025-03-17T23:12:04Z",
            "2025-03-17 23:12:04+00:00",
            "2025-03-17T23:12:04+00:0x",
        ] {
            assert!(time_of(s).is_none(), "{s}");
        }
        let h = "0123456789abcdef".repeat(4);
        assert_eq!(hex_text(&hex_of(&h).unwrap()), h);
        assert!(hex_of(&h.to_uppercase()).is_none());
        assert!(hex_of(&h[1..]).is_none());
    }

    #[test]
    fn a_full_table_keeps_new_strings_in_place() {
        let t = Shared::default();
        let big = Named {
            from: "x".repeat(TABLE_BYTES),
            with: Some("Police".into()),
            child: "c".into(),
            at: "a".into(),
            hash: "h".into(),
            note: String::new(),
            list: vec![],
        };
        assert_eq!(
            decode::<Named>(&encode_checked(&big, &t).unwrap(), &t).unwrap(),
            big
        );
        assert_eq!(t.read().strings().len(), 1, "Police did not fit");
        let small = Named {
            from: "Health Visiting".into(),
            ..big
        };
        let bytes = encode_checked(&small, &t).unwrap();
        assert_eq!(decode::<Named>(&bytes, &t).unwrap(), small);
        assert_eq!(t.read().strings().len(), 1);
        assert!(String::from_utf8_lossy(&bytes).contains("Health Visiting"));
    }
}
