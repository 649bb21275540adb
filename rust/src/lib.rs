//! `addlist_rs._core`: the exact sum of an iterable of integers, with PyO3.
//!
//! The twin of the C module in `src/addlist/_core.c`, under the same contract. Two builds:
//! version-specific (the default), which reads list and tuple items in place and decodes
//! small ints inline from the object layout; and Limited API / abi3 (`--features abi3`),
//! which goes through stable-ABI calls only.
//!
//! Safety: an item is either an exact int or goes through `__index__` once; a borrowed item
//! pointer is used only until Python code can run. After `__index__`, and after releasing the
//! item (which runs its finalizer when ours was the last reference), the list's size is read
//! again, because either may have resized or cleared the list.

use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyTuple};
use pyo3::PyTypeInfo;

pyo3::create_exception!(
    addlist_rs,
    EmptyListError,
    PyValueError,
    "Raised by add() when its input holds no items (unlike sum([]) == 0)."
);

const EMPTY_MESSAGE: &CStr = c"add(): the input is empty, there is nothing to sum";

/// Whether this interpreter stores ints in the layout `read_small_int` decodes (30-bit digits
/// in 4 bytes, the default of every CPython release); checked once at import.
static INLINE_DECODE: AtomicBool = AtomicBool::new(false);

/// How many list items ahead to prefetch: enough to hide a cache miss on a shuffled list.
#[cfg(not(Py_LIMITED_API))]
const PREFETCH_DISTANCE: usize = 16;

/// The running total: a machine word for speed, an int object for what overflows it.
struct Accumulator<'py> {
    small: i64,
    big: Option<Bound<'py, PyAny>>,
}

impl<'py> Accumulator<'py> {
    fn new() -> Self {
        Self {
            small: 0,
            big: None,
        }
    }

    fn add_small(&mut self, py: Python<'py>, value: i64) -> PyResult<()> {
        if let Some(sum) = self.small.checked_add(value) {
            self.small = sum;
        } else {
            let spilled = new_int(py, self.small)?;
            self.add_object(&spilled)?;
            self.small = value;
        }
        Ok(())
    }

    /// Adds an exact int object that may not fit in a machine word.
    fn add_object(&mut self, value: &Bound<'py, PyAny>) -> PyResult<()> {
        self.big = Some(match self.big.take() {
            None => value.clone(),
            Some(big) => big.add(value)?,
        });
        Ok(())
    }

    fn result(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let small = new_int(py, self.small)?;
        match self.big {
            None => Ok(small),
            Some(big) => big.add(small),
        }
    }
}

/// A new int object, or the MemoryError of a failed allocation (PyO3's `into_pyobject` would
/// panic instead).
fn new_int(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: PyLong_FromLongLong returns a new reference, or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyLong_FromLongLong(value)) }
}

/// The value of an exact int that fits a machine word, without creating any object;
/// `None` sends the item down the slow path, which handles everything else.
///
/// `INLINE` (version-specific builds only) reads the int's digits in place instead of
/// calling `PyLong_AsLongLongAndOverflow`, the only way the Limited API offers.
///
/// # Safety
/// `item` must point to a live object.
#[inline]
unsafe fn read_small_int<const INLINE: bool>(item: *mut ffi::PyObject) -> Option<i64> {
    // SAFETY: the caller guarantees `item` is live.
    if unsafe { ffi::Py_TYPE(item) } != &raw mut ffi::PyLong_Type {
        return None;
    }
    #[cfg(not(Py_LIMITED_API))]
    if INLINE {
        // SAFETY: `item` is a live exact int and INLINE_DECODE confirmed its layout.
        return unsafe { compact_value(item) };
    }
    let mut overflow = 0;
    // SAFETY: `item` is a live exact int: the call cannot fail, only report overflow.
    let value = unsafe { ffi::PyLong_AsLongLongAndOverflow(item, &raw mut overflow) };
    (overflow == 0).then_some(value)
}

/// The value of an exact int that fits one 30-bit digit, read from the object's layout.
///
/// # Safety
/// `item` must point to a live exact int, and `INLINE_DECODE` must be true.
#[cfg(not(Py_LIMITED_API))]
#[inline]
unsafe fn compact_value(item: *mut ffi::PyObject) -> Option<i64> {
    // CPython's PyLongObject (Include/cpython/longintrepr.h), which the C API only offers
    // through static inline functions that Rust cannot call.
    #[cfg(Py_3_12)]
    #[repr(C)]
    struct LongObject {
        ob_base: ffi::PyObject,
        lv_tag: usize, // bits 0-1: sign (0 positive, 1 zero, 2 negative); from bit 3: digits
        ob_digit: u32,
    }
    #[cfg(not(Py_3_12))]
    #[repr(C)]
    struct LongObject {
        ob_base: ffi::PyVarObject, // ob_size: number of digits, negative for negative ints
        ob_digit: u32,
    }

    let long = item.cast::<LongObject>();
    // SAFETY: the caller guarantees an exact int, which has this layout.
    unsafe {
        #[cfg(Py_3_12)]
        {
            let tag = (*long).lv_tag;
            if tag >= 2 << 3 {
                return None; // more than one digit
            }
            #[allow(clippy::cast_possible_wrap)] // tag & 3 is 0, 1 or 2
            let sign = 1 - (tag & 3) as i64;
            Some(sign * i64::from((*long).ob_digit))
        }
        #[cfg(not(Py_3_12))]
        {
            match (*long).ob_base.ob_size {
                0 => Some(0), // zero has no digit to read
                size @ (-1 | 1) => Some(size as i64 * i64::from((*long).ob_digit)),
                _ => None,
            }
        }
    }
}

/// Hints the CPU to fetch the object at `address`: on a shuffled list every item is a cache
/// miss, and fetching a few items ahead hides it.
#[cfg(not(Py_LIMITED_API))]
#[inline]
fn prefetch(address: *const ffi::PyObject) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address.cast());
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::asm!("prfm pldl1keep, [{0}]", in(reg) address, options(nostack, readonly, preserves_flags));
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = address;
}

/// The name a type was created with, as `type.__dict__["__name__"]` gives it: not an
/// attribute lookup on the type, which a metaclass can answer with any object, or an exception.
fn type_name<'py>(item: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = item.py();
    // SAFETY: `item` is live; each call returns a new reference, or NULL with an exception
    // set, which is what from_owned_ptr_or_err takes; "O" takes one object argument.
    unsafe {
        let type_dict = Bound::from_owned_ptr_or_err(
            py,
            ffi::PyObject_GetAttrString((&raw mut ffi::PyType_Type).cast(), c"__dict__".as_ptr()),
        )?;
        let descriptor = Bound::from_owned_ptr_or_err(
            py,
            ffi::PyMapping_GetItemString(type_dict.as_ptr(), c"__name__".as_ptr()),
        )?;
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyObject_CallMethod(
                descriptor.as_ptr(),
                c"__get__".as_ptr(),
                c"O".as_ptr(),
                ffi::Py_TYPE(item.as_ptr()).cast::<ffi::PyObject>(),
            ),
        )
    }
}

/// The TypeError for an item that is not an integer; built through the C API, so that a
/// failed allocation gives MemoryError rather than a panic at the FFI boundary.
fn raise_not_integer(position: usize, item: &Bound<'_, PyAny>) -> PyErr {
    let name = match type_name(item) {
        Ok(name) => name,
        Err(error) => return error,
    };
    #[allow(clippy::cast_possible_wrap)] // a position is below the sequence's isize length
    let position = position as ffi::Py_ssize_t;
    // SAFETY: the arguments match the format (%zd: Py_ssize_t; %U: the name, a str).
    // PyErr_Format sets the TypeError, or the MemoryError of building it.
    unsafe {
        ffi::PyErr_Format(
            ffi::PyExc_TypeError,
            c"add(): item %zd is %U, not an integer".as_ptr(),
            position,
            name.as_ptr(),
        );
    }
    PyErr::fetch(item.py())
}

/// EmptyListError, raised through the C API like the TypeError above.
fn empty_list_error(py: Python<'_>) -> PyErr {
    // SAFETY: the exception type is live (the module holds it); PyErr_SetString sets the
    // error, or the MemoryError of building it.
    unsafe {
        ffi::PyErr_SetString(
            EmptyListError::type_object_raw(py).cast(),
            EMPTY_MESSAGE.as_ptr(),
        );
    }
    PyErr::fetch(py)
}

/// Counts a call of add() in the interpreter's recursion depth while it lives: an
/// `__index__` that calls add() recurses through Rust, where the interpreter's counter
/// cannot see it (before 3.12), so deep recursion raises RecursionError before the stack
/// runs out.
struct RecursionGuard;

impl RecursionGuard {
    fn enter(py: Python<'_>) -> PyResult<Self> {
        // SAFETY: attached to the interpreter; a nonzero result sets RecursionError.
        if unsafe { ffi::Py_EnterRecursiveCall(c" in add()".as_ptr()) } != 0 {
            return Err(PyErr::fetch(py));
        }
        Ok(Self)
    }
}

impl Drop for RecursionGuard {
    fn drop(&mut self) {
        // SAFETY: pairs the Py_EnterRecursiveCall of enter().
        unsafe { ffi::Py_LeaveRecursiveCall() }
    }
}

/// Adds any item that the inline decoder declined: may run Python code (`__index__`).
fn accumulate_item<'py>(
    acc: &mut Accumulator<'py>,
    item: &Bound<'py, PyAny>,
    position: usize,
) -> PyResult<()> {
    let py = item.py();
    let value = if item.is_exact_instance_of::<PyInt>() {
        item.clone()
    } else {
        // SAFETY: `item` is a live object; PyIndex_Check only reads its type.
        if unsafe { ffi::PyIndex_Check(item.as_ptr()) } == 0 {
            return Err(raise_not_integer(position, item));
        }
        // SAFETY: `item` is live; the result is a new reference or NULL with an exception
        // set, which is exactly what from_owned_ptr_or_err takes. Errors from __index__
        // propagate unchanged.
        let index =
            unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyNumber_Index(item.as_ptr()))? };
        if index.is_exact_instance_of::<PyInt>() {
            index
        } else {
            // Python 3.9 returns int subclasses as they are: take the plain int value so
            // that an overridden __add__ or __radd__ cannot change the sum.
            // SAFETY: `index` is live; "O" takes one object; the result is a new reference
            // or NULL with an exception set.
            unsafe {
                Bound::from_owned_ptr_or_err(
                    py,
                    ffi::PyObject_CallMethod(
                        (&raw mut ffi::PyLong_Type).cast(),
                        c"__int__".as_ptr(),
                        c"O".as_ptr(),
                        index.as_ptr(),
                    ),
                )?
            }
        }
    };
    // Not `extract::<i64>()`: on a big int it would build an OverflowError to throw away.
    let mut overflow = 0;
    // SAFETY: `value` is a live exact int; the call reports overflow through the flag.
    let small = unsafe { ffi::PyLong_AsLongLongAndOverflow(value.as_ptr(), &raw mut overflow) };
    if overflow != 0 {
        acc.add_object(&value)
    } else if small == -1 && PyErr::occurred(py) {
        Err(PyErr::fetch(py))
    } else {
        acc.add_small(py, small)
    }
}

/// An exact list or tuple, read through the cheapest API the build allows.
struct Sequence {
    raw: *mut ffi::PyObject,
    is_list: bool,
}

impl Sequence {
    fn size(&self) -> usize {
        // SAFETY: `raw` is a live exact list or tuple (add()'s caller holds it).
        let size = unsafe {
            #[cfg(not(Py_LIMITED_API))]
            {
                ffi::Py_SIZE(self.raw)
            }
            #[cfg(Py_LIMITED_API)]
            {
                if self.is_list {
                    ffi::PyList_Size(self.raw)
                } else {
                    ffi::PyTuple_Size(self.raw)
                }
            }
        };
        size.unsigned_abs()
    }

    /// Item `i`, borrowed.
    ///
    /// # Safety
    /// `i < self.size()`, read after Python code last ran.
    #[inline]
    unsafe fn item(&self, i: usize) -> *mut ffi::PyObject {
        #[allow(clippy::cast_possible_wrap)] // i < size() <= isize::MAX
        let i = i as ffi::Py_ssize_t;
        // SAFETY: the caller guarantees that `i` is in range.
        unsafe {
            #[cfg(not(Py_LIMITED_API))]
            {
                if self.is_list {
                    ffi::PyList_GET_ITEM(self.raw, i)
                } else {
                    ffi::PyTuple_GET_ITEM(self.raw, i)
                }
            }
            #[cfg(Py_LIMITED_API)]
            {
                if self.is_list {
                    ffi::PyList_GetItem(self.raw, i)
                } else {
                    ffi::PyTuple_GetItem(self.raw, i)
                }
            }
        }
    }
}

/// The fast path for a list or tuple; returns how many items were summed.
fn accumulate_sequence<'py, const INLINE: bool>(
    acc: &mut Accumulator<'py>,
    py: Python<'py>,
    sequence: &Sequence,
) -> PyResult<usize> {
    let mut size = sequence.size();
    let mut i = 0;
    while i < size {
        #[cfg(not(Py_LIMITED_API))]
        if i + PREFETCH_DISTANCE < size {
            // SAFETY: in range, and no Python code ran since `size` was read.
            prefetch(unsafe { sequence.item(i + PREFETCH_DISTANCE) });
        }
        // SAFETY: in range, and no Python code ran since `size` was read.
        let item = unsafe { sequence.item(i) };
        // SAFETY: `item` is borrowed from the sequence, which we hold (a free-threaded build
        // also holds a list's critical section), and no Python code ran since it was read.
        let small = unsafe { read_small_int::<INLINE>(item) };
        if let Some(sum) = small.and_then(|value| acc.small.checked_add(value)) {
            acc.small = sum; // the hot path: no Python code, no new object
            i += 1;
            continue;
        }
        if let Some(value) = small {
            acc.add_small(py, value)?; // the word overflowed: spill it to the int part
        } else {
            // SAFETY: a strong reference, taken before __index__ can drop the list's one.
            let owned = unsafe { Bound::from_borrowed_ptr(py, item) };
            accumulate_item(acc, &owned, i)?;
            // Releasing the item runs Python code too when it was the last reference (its
            // __del__, a weakref callback), so release it before the size is read again.
            drop(owned);
        }
        // Python code (__index__, a finalizer) may have run and resized or cleared the list:
        // read its size again.
        size = sequence.size();
        i += 1;
    }
    Ok(i)
}

fn accumulate_iterable<'py, const INLINE: bool>(
    acc: &mut Accumulator<'py>,
    iterable: &Bound<'py, PyAny>,
) -> PyResult<usize> {
    let py = iterable.py();
    let mut count = 0;
    for item in iterable.try_iter()? {
        let item = item?;
        // SAFETY: `item` is a live object: we hold a strong reference to it.
        if let Some(value) = unsafe { read_small_int::<INLINE>(item.as_ptr()) } {
            acc.add_small(py, value)?;
        } else {
            accumulate_item(acc, &item, count)?;
        }
        count += 1;
    }
    Ok(count)
}

/// Sums `values` with one int decoder: an exact list (locked on a free-threaded build) or
/// tuple through the fast path, anything else through its iterator.
fn accumulate<'py, const INLINE: bool>(
    acc: &mut Accumulator<'py>,
    values: &Bound<'py, PyAny>,
) -> PyResult<usize> {
    let py = values.py();
    let sequence = |is_list| Sequence {
        raw: values.as_ptr(),
        is_list,
    };
    if values.is_exact_instance_of::<PyList>() {
        // Free-threaded CPython: no other thread may resize the list while we index it. A
        // tuple cannot change, so it needs no lock. (With the GIL, with_critical_section only
        // calls the closure.)
        pyo3::sync::critical_section::with_critical_section(values, || {
            accumulate_sequence::<INLINE>(acc, py, &sequence(true))
        })
    } else if values.is_exact_instance_of::<PyTuple>() {
        accumulate_sequence::<INLINE>(acc, py, &sequence(false))
    } else {
        accumulate_iterable::<INLINE>(acc, values)
    }
}

/// Return the exact sum of an iterable of integers as an int.
///
/// Items may be int, bool, int subclasses or any object with __index__.
/// Raises EmptyListError if there are no items, and TypeError naming the
/// position and type of the first item that is not an integer.
#[pyfunction]
#[pyo3(signature = (values, /), text_signature = "(values, /)")]
fn add<'py>(values: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = values.py();
    let guard = RecursionGuard::enter(py)?;
    let mut acc = Accumulator::new();
    // One loop per int decoder, chosen once per call rather than tested on every item.
    let count = if INLINE_DECODE.load(Ordering::Relaxed) && cfg!(not(Py_LIMITED_API)) {
        accumulate::<true>(&mut acc, values)?
    } else {
        accumulate::<false>(&mut acc, values)?
    };
    drop(guard);
    if count == 0 {
        return Err(empty_list_error(py));
    }
    acc.result(py)
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let int_info = py.import("sys")?.getattr("int_info")?;
    let bits: u32 = int_info.getattr("bits_per_digit")?.extract()?;
    let size: u32 = int_info.getattr("sizeof_digit")?.extract()?;
    INLINE_DECODE.store(bits == 30 && size == 4, Ordering::Relaxed);

    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add("EmptyListError", py.get_type::<EmptyListError>())?;
    m.add("LIMITED_API", cfg!(Py_LIMITED_API))?;
    m.add("FREE_THREADED_BUILD", cfg!(Py_GIL_DISABLED))?;
    // The Python the module was compiled against: for an abi3 build, the minimum one (PyO3's
    // build configuration, which build.rs reports, is lowered to the abi3 floor).
    m.add("BUILT_FOR", env!("ADDLIST_BUILT_FOR"))?;
    m.add(
        "INLINE_INT_DECODE",
        INLINE_DECODE.load(Ordering::Relaxed) && !cfg!(Py_LIMITED_API),
    )?;
    Ok(())
}
