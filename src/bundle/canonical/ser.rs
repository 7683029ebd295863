//! The canonical form of any `Serialize` value, written straight from the value: exactly the
//! bytes [`super::to_vec`] gives for the `serde_json::Value` that `serde_json::to_value` would
//! make of it, without making that tree (no map and no string per key and value).
//!
//! Each object's members are written where they go, with their keys noted; an object whose keys
//! did not come in canonical order is put in order once it is complete (the members of a
//! struct come in declaration order, which for a bundle's types is not alphabetical).

use std::borrow::Cow;
use std::fmt;

use serde::ser::{self, Serialize};

use super::{key_order, number, write_string};

/// A value that has no canonical JSON form: a map key that is not a string or number, or an
/// integer beyond 64 bits (as for `serde_json::to_value`).
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error(msg.to_string())
    }
}

/// Append the canonical form of `value` to `out`. On error, `out` holds part of it.
pub fn write<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), Error> {
    Scratch::default().write(out, value)
}

/// What writing needs besides the output, kept from one value to the next when many are
/// written: the members of open objects, and the key order of each kind of struct met.
#[derive(Default)]
pub struct Scratch {
    /// Each member of the objects being written, innermost object last: its key and where its
    /// `"key":value` lies in the output.
    members: Vec<(Cow<'static, str>, usize, usize)>,
    /// Scratch space for putting one object's members in order.
    sorted: String,
    /// For each struct name and field list met, the order in which its members are written.
    orders: Vec<Order>,
}

/// The canonical order of a struct's fields: `keys` as they come, `order` the indices of the
/// members to write, in key order.
struct Order {
    name: &'static str,
    keys: Vec<&'static str>,
    order: Vec<usize>,
}

/// The same `&'static str` (a struct's name or field), compared by address: cheap, and a
/// miss only costs working the order out again.
fn same(a: &'static str, b: &'static str) -> bool {
    std::ptr::eq(a, b)
}

impl Scratch {
    /// Append the canonical form of `value` to `out`. On error, `out` holds part of it.
    pub fn write<T: Serialize + ?Sized>(
        &mut self,
        out: &mut String,
        value: &T,
    ) -> Result<(), Error> {
        self.members.clear();
        let mut w = Writer { out, scratch: self };
        value.serialize(&mut w)
    }
}

/// The writer: the text so far, and the scratch space.
struct Writer<'o> {
    out: &'o mut String,
    scratch: &'o mut Scratch,
}

/// Largest magnitude of an integer written as it is (2^53); larger ones go through a double.
const SAFE: u64 = 1 << 53;

fn write_u64(out: &mut String, negative: bool, magnitude: u64) {
    if magnitude <= SAFE {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = magnitude;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if negative && magnitude != 0 {
            out.push('-');
        }
        // Only ASCII digits were written.
        out.push_str(std::str::from_utf8(&digits[i..]).unwrap_or("0"));
    } else {
        let x = magnitude as f64;
        out.push_str(&number(if negative { -x } else { x }));
    }
}

impl Writer<'_> {
    /// Write one member of the object whose members start at `base`.
    fn member<T: Serialize + ?Sized>(
        &mut self,
        base: usize,
        key: Cow<'static, str>,
        value: &T,
    ) -> Result<(), Error> {
        if self.scratch.members.len() > base {
            self.out.push(',');
        }
        let from = self.out.len();
        write_string(self.out, &key);
        self.out.push(':');
        value.serialize(&mut *self)?;
        self.scratch.members.push((key, from, self.out.len()));
        Ok(())
    }

    /// Close the object that starts at `start` in `out` and whose members start at `base`:
    /// put its members in key order, the last of equal keys kept (as a map keeps it). For a
    /// struct (`name`), the order worked out for the same fields is used again.
    fn close_object(&mut self, start: usize, base: usize, name: Option<&'static str>) {
        let Scratch {
            members,
            sorted,
            orders,
        } = &mut *self.scratch;
        let list = &members[base..];
        let statics = || {
            list.iter().map(|(k, _, _)| match k {
                Cow::Borrowed(k) => Some(*k),
                Cow::Owned(_) => None,
            })
        };
        let known = name.and_then(|name| {
            orders.iter().position(|o| {
                same(o.name, name)
                    && o.keys.len() == list.len()
                    && statics()
                        .zip(&o.keys)
                        .all(|(k, &o)| k.is_some_and(|k| same(k, o)))
            })
        });
        let order = match known {
            Some(i) => &orders[i].order,
            None => {
                let mut order: Vec<usize> = (0..list.len()).collect();
                order.sort_by(|&a, &b| key_order(&list[a].0, &list[b].0));
                // Of equal keys, only the last is written.
                let keep: Vec<usize> = (0..order.len())
                    .filter(|&i| {
                        order
                            .get(i + 1)
                            .is_none_or(|&next| list[next].0 != list[order[i]].0)
                    })
                    .map(|i| order[i])
                    .collect();
                match (name, statics().collect::<Option<Vec<_>>>()) {
                    (Some(name), Some(keys)) => {
                        orders.push(Order {
                            name,
                            keys,
                            order: keep,
                        });
                        &orders[orders.len() - 1].order
                    }
                    _ => {
                        sorted.clear();
                        Self::rearrange(self.out, start, list, &keep, sorted);
                        members.truncate(base);
                        self.out.push('}');
                        return;
                    }
                }
            }
        };
        Self::rearrange(self.out, start, list, order, sorted);
        members.truncate(base);
        self.out.push('}');
    }

    /// Rewrite the members after `start` in `out` in the order `order` (unless they are
    /// already in it).
    fn rearrange(
        out: &mut String,
        start: usize,
        list: &[(Cow<'static, str>, usize, usize)],
        order: &[usize],
        sorted: &mut String,
    ) {
        if order.len() == list.len() && order.iter().enumerate().all(|(i, &m)| i == m) {
            return;
        }
        sorted.clear();
        for &m in order {
            if !sorted.is_empty() {
                sorted.push(',');
            }
            sorted.push_str(&out[list[m].1..list[m].2]);
        }
        out.truncate(start + 1);
        out.push_str(sorted);
    }

    fn open_object(&mut self) -> (usize, usize) {
        let start = self.out.len();
        self.out.push('{');
        (start, self.scratch.members.len())
    }
}

/// An array being written; `close` ends it (`]`, or `]}` for a tuple variant).
pub struct Seq<'a, 'o> {
    w: &'a mut Writer<'o>,
    first: bool,
    close: &'static str,
}

/// An object being written; `wrapped` when it is the value of a struct variant's `{"V": …}`.
pub struct Obj<'a, 'o> {
    w: &'a mut Writer<'o>,
    start: usize,
    base: usize,
    key: Option<String>,
    /// The struct's name; `None` for a map.
    name: Option<&'static str>,
    wrapped: bool,
}

impl<'a, 'o> ser::Serializer for &'a mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a, 'o>;
    type SerializeTuple = Seq<'a, 'o>;
    type SerializeTupleStruct = Seq<'a, 'o>;
    type SerializeTupleVariant = Seq<'a, 'o>;
    type SerializeMap = Obj<'a, 'o>;
    type SerializeStruct = Obj<'a, 'o>;
    type SerializeStructVariant = Obj<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_u64(self.out, v < 0, v.unsigned_abs());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        match i64::try_from(v) {
            Ok(v) => self.serialize_i64(v),
            Err(_) => self.serialize_u128(u128::try_from(v).unwrap_or(u128::MAX)),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_u64(self.out, false, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let v = u64::try_from(v).map_err(|_| Error("number out of range".to_string()))?;
        self.serialize_u64(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // A non-finite number becomes `null`, as in a value tree.
        self.out.push_str(&number(v));
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let (start, base) = self.open_object();
        self.member(base, Cow::Borrowed(variant), value)?;
        self.close_object(start, base, None);
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'o>, Error> {
        self.out.push('[');
        Ok(Seq {
            w: self,
            first: true,
            close: "]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'o>, Error> {
        // `{"V":[…]}`: one key, so already in order.
        self.out.push('{');
        write_string(self.out, variant);
        self.out.push_str(":[");
        Ok(Seq {
            w: self,
            first: true,
            close: "]}",
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Obj<'a, 'o>, Error> {
        let (start, base) = self.open_object();
        Ok(Obj {
            w: self,
            start,
            base,
            key: None,
            name: None,
            wrapped: false,
        })
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Obj<'a, 'o>, Error> {
        let (start, base) = self.open_object();
        Ok(Obj {
            w: self,
            start,
            base,
            key: None,
            name: Some(name),
            wrapped: false,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Obj<'a, 'o>, Error> {
        self.out.push('{');
        write_string(self.out, variant);
        self.out.push(':');
        let (start, base) = self.open_object();
        Ok(Obj {
            w: self,
            start,
            base,
            key: None,
            name: None,
            wrapped: true,
        })
    }
}

impl Seq<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.w.out.push(',');
        }
        self.first = false;
        value.serialize(&mut *self.w)
    }

    fn close(self) -> Result<(), Error> {
        self.w.out.push_str(self.close);
        Ok(())
    }
}

/// Sequences, tuples and tuple structs and variants are all written as JSON arrays.
macro_rules! array_like {
    ($($kind:ident :: $method:ident),*) => {$(
        impl ser::$kind for Seq<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl Obj<'_, '_> {
    fn close(self) -> Result<(), Error> {
        self.w.close_object(self.start, self.base, self.name);
        if self.wrapped {
            self.w.out.push('}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for Obj<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeyWriter)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().unwrap_or_default();
        self.w.member(self.base, Cow::Owned(key), value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// Structs and struct variants are both written as JSON objects.
macro_rules! object_like {
    ($($kind:ident),*) => {$(
        impl ser::$kind for Obj<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.w.member(self.base, Cow::Borrowed(key), value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    )*};
}

object_like!(SerializeStruct, SerializeStructVariant);

/// A map key as the text of its JSON key: strings as they are, integers and booleans in
/// decimal and as words (as `serde_json` writes them); anything else has no key form.
struct KeyWriter;

fn no_key() -> Error {
    Error("key must be a string".to_string())
}

impl ser::Serializer for KeyWriter {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        Err(no_key())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(no_key())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(no_key())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(no_key())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(no_key())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(no_key())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(no_key())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(no_key())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::{Value, json};

    /// The direct form and the form through a value tree, side by side.
    fn both<T: Serialize>(value: &T) -> (String, String) {
        let mut direct = String::new();
        super::write(&mut direct, value).expect("canonical form");
        let tree = serde_json::to_value(value).expect("a value");
        let via_tree = String::from_utf8(super::super::to_vec(&tree)).expect("UTF-8");
        (direct, via_tree)
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(f64),
        Tuple(u8, Option<i32>),
        Struct { z: bool, a: Vec<u64> },
    }

    #[derive(Serialize)]
    struct Unsorted {
        zeta: &'static str,
        beta: Vec<Shape>,
        alpha: BTreeMap<String, f64>,
        #[serde(rename = "\u{fb33}")]
        wide: i64,
        #[serde(rename = "\u{1f600}")]
        emoji: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        gone: Option<u8>,
        keyed: BTreeMap<u32, char>,
        unit: (),
        tuple: (i8, f32),
    }

    #[test]
    fn a_value_written_directly_matches_its_value_tree() {
        let value = Unsorted {
            zeta: "quote \" backslash \\ newline \n bell \u{7} é",
            beta: vec![
                Shape::Unit,
                Shape::Newtype(2.5),
                Shape::Newtype(f64::NAN),
                Shape::Newtype(1e21),
                Shape::Newtype(-0.0),
                Shape::Tuple(7, None),
                Shape::Struct {
                    z: true,
                    a: vec![0, 1 << 53, (1 << 53) + 1, u64::MAX],
                },
            ],
            alpha: [("b".to_string(), 0.1), ("a".to_string(), 1e-7)].into(),
            wide: -(1 << 53) - 1,
            emoji: 3,
            gone: None,
            keyed: [(10, 'x'), (9, 'y')].into(),
            unit: (),
            tuple: (-5, 1.5),
        };
        let (direct, via_tree) = both(&value);
        assert_eq!(direct, via_tree);
        assert!(direct.starts_with("{\"alpha\":{\"a\":1e-7,\"b\":0.1},\"beta\":[\"Unit\""));
    }

    #[test]
    fn values_of_every_json_kind_match() {
        for v in [
            json!(null),
            json!([]),
            json!({}),
            json!({"b": {"d": [1, {"y": 2, "x": 1}], "c": null}, "a": "\u{1f}"}),
            json!(-9007199254740993i64),
            json!(0.30000000000000004),
        ] {
            let (direct, via_tree) = both(&v);
            assert_eq!(direct, via_tree, "{v}");
        }
        let (direct, _) = both(&Value::String("x".into()));
        assert_eq!(direct, "\"x\"");
    }
}
