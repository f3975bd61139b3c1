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

use serde::de::DeserializeOwned;
use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant,
};
use serde::{Serialize, Serializer};

/// `value` as postcard, skipped fields written as a zero byte.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    postcard::to_allocvec(&Full(value)).ok()
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

/// `value` as postcard only if it reads back as exactly what was written, judged
/// by the JSON both give (a misread zero can re-encode to the same bytes).
pub fn encode_checked<T: Serialize + DeserializeOwned>(value: &T) -> Option<Vec<u8>> {
    let bytes = encode(value)?;
    let back: T = decode(&bytes)?;
    (serde_json::to_vec(&back).ok()? == serde_json::to_vec(value).ok()?).then_some(bytes)
}

/// A value whose serialisation goes through the adapter, nested values included.
struct Full<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Full<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Ser(s))
    }
}

struct Ser<S>(S);

/// The compound serialisers of `S`, passing each element through the adapter.
struct Parts<C>(C);

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.0.$method($($arg),*)
        })*
    };
}

impl<S: Serializer> Serializer for Ser<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Parts<S::SerializeSeq>;
    type SerializeTuple = Parts<S::SerializeTuple>;
    type SerializeTupleStruct = Parts<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Parts<S::SerializeTupleVariant>;
    type SerializeMap = Parts<S::SerializeMap>;
    type SerializeStruct = Parts<S::SerializeStruct>;
    type SerializeStructVariant = Parts<S::SerializeStructVariant>;

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
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Full(v))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Full(v))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Full(v))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Parts)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Parts)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Parts)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Parts)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Parts)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Parts)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Parts)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! parts {
    ($trait:ident, $method:ident) => {
        impl<C: $trait> $trait for Parts<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
                self.0.$method(&Full(v))
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    };
}

parts!(SerializeSeq, serialize_element);
parts!(SerializeTuple, serialize_element);
parts!(SerializeTupleStruct, serialize_field);
parts!(SerializeTupleVariant, serialize_field);

impl<C: SerializeMap> SerializeMap for Parts<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Full(k))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Full(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

macro_rules! fields {
    ($trait:ident) => {
        impl<C: $trait> $trait for Parts<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<(), C::Error> {
                self.0.serialize_field(key, &Full(v))
            }
            /// The one change: a skipped field still takes its place, as a zero.
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.0.serialize_field(key, &0u8)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    };
}

fields!(SerializeStruct);
fields!(SerializeStructVariant);

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
        assert_eq!(decode::<Sparse>(&encode_checked(&v).unwrap()).unwrap(), v);
        let full = Sparse {
            b: Some("y".into()),
            c: vec![1, 2],
            d: true,
            ..v
        };
        assert_eq!(
            decode::<Sparse>(&encode_checked(&full).unwrap()).unwrap(),
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
        assert!(encode_checked(&Odd {
            n: 7,
            s: "x".into()
        })
        .is_none());
    }
}
