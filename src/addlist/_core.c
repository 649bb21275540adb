/*
 * addlist._core: the exact sum of an iterable of integers, against the CPython C API.
 *
 * Two builds come from this one file:
 *   - version-specific (the default): reads list and tuple items in place and decodes
 *     small ints inline from the object layout, so the hot loop makes no function call;
 *   - Limited API / abi3 (Py_LIMITED_API defined by CMake): the same algorithm through
 *     stable-ABI functions only, so one wheel serves every CPython from 3.9 on.
 *
 * Safety rules followed throughout (the talk's rules 3 and 4):
 *   - types are converted at the boundary: an item is either an exact int or goes through
 *     PyNumber_Index once, and only exact ints reach the accumulator;
 *   - a borrowed item is used only until Python code can run: before calling __index__
 *     we take a strong reference, and after releasing it (which runs the item's finalizer
 *     when ours was the last reference) the list's size and item array are read again,
 *     because __index__ or that finalizer may have resized or cleared the list.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if !defined(Py_LIMITED_API) && PY_VERSION_HEX < 0x030B0000
#include <longintrepr.h> /* 3.9 and 3.10 keep the int layout out of Python.h */
#endif

/* How many list items ahead to prefetch: enough to hide a cache miss on a shuffled list. */
#define PREFETCH_DISTANCE 16

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch((address), 0, 3)
#define UNLIKELY(condition) __builtin_expect(!!(condition), 0)
#else
#define PREFETCH(address) ((void)(address))
#define UNLIKELY(condition) (condition)
#endif

#if defined(Py_GIL_DISABLED)
/* Free-threaded CPython: other threads must not resize the list while we index it. A tuple
   cannot change, so it needs no lock. */
#define LOCK_LIST(list) Py_BEGIN_CRITICAL_SECTION(list)
#define UNLOCK_LIST() Py_END_CRITICAL_SECTION()
#else
#define LOCK_LIST(list) {
#define UNLOCK_LIST() }
#endif

typedef struct {
    PyObject *empty_list_error; /* addlist._errors.EmptyListError */
} ModuleState;

/* The running total: a machine-word part for speed and an int object for what overflows it. */
typedef struct {
    long long small;
    PyObject *big; /* NULL until something did not fit in `small` */
} Accumulator;

static inline int
checked_add(long long a, long long b, long long *sum)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_add_overflow(a, b, sum);
#else
    if ((b > 0 && a > LLONG_MAX - b) || (b < 0 && a < LLONG_MIN - b)) {
        return 1;
    }
    *sum = a + b;
    return 0;
#endif
}

/* Adds an exact int object to the big part of the total. Returns 0, or -1 with an exception. */
static int
accumulator_add_object(Accumulator *acc, PyObject *value)
{
    if (acc->big == NULL) {
        Py_INCREF(value);
        acc->big = value;
        return 0;
    }
    PyObject *sum = PyNumber_Add(acc->big, value);
    if (sum == NULL) {
        return -1;
    }
    Py_DECREF(acc->big);
    acc->big = sum;
    return 0;
}

static int
accumulator_add_small(Accumulator *acc, long long value)
{
    long long sum;
    if (!UNLIKELY(checked_add(acc->small, value, &sum))) {
        acc->small = sum;
        return 0;
    }
    /* The word overflowed: move it into the big part and start again from `value`. */
    PyObject *spilled = PyLong_FromLongLong(acc->small);
    if (spilled == NULL) {
        return -1;
    }
    int status = accumulator_add_object(acc, spilled);
    Py_DECREF(spilled);
    acc->small = value;
    return status;
}

/* The exact total as a new int object, or NULL with an exception. */
static PyObject *
accumulator_result(const Accumulator *acc)
{
    PyObject *small = PyLong_FromLongLong(acc->small);
    if (small == NULL || acc->big == NULL) {
        return small;
    }
    PyObject *sum = PyNumber_Add(acc->big, small);
    Py_DECREF(small);
    return sum;
}

/*
 * The value of `item` if it is an exact int small enough to read without a call.
 * Returns 1 and sets *value, or 0 when the slow path must handle the item. `int_type` is
 * &PyLong_Type, passed in so that the hot loop keeps it in a register. The int layout is
 * known when this compiles (lib.rs has to check it at import instead).
 */
static inline int
read_small_int(PyObject *item, const PyTypeObject *int_type, long long *value)
{
    if (Py_TYPE(item) != int_type) {
        return 0;
    }
#if defined(Py_LIMITED_API)
    int overflow;
    *value = PyLong_AsLongLongAndOverflow(item, &overflow);
    return !overflow; /* an exact int cannot fail any other way */
#elif PY_VERSION_HEX >= 0x030C0000
    PyLongObject *number = (PyLongObject *)item;
    if (!PyUnstable_Long_IsCompact(number)) {
        return 0;
    }
    *value = (long long)PyUnstable_Long_CompactValue(number);
    return 1;
#else
    Py_ssize_t size = Py_SIZE(item);
    if (size < -1 || size > 1) {
        return 0;
    }
    /* Zero has no digit allocated, so ob_digit[0] is read only for +1 and -1. */
    *value = size == 0 ? 0 : size * (long long)((PyLongObject *)item)->ob_digit[0];
    return 1;
#endif
}

/*
 * The name a type was created with, as `type.__dict__["__name__"]` gives it: not an attribute
 * lookup on the type, which a metaclass can answer with any object, or an exception.
 */
static PyObject *
type_name(PyTypeObject *type)
{
    PyObject *type_dict = PyObject_GetAttrString((PyObject *)&PyType_Type, "__dict__");
    if (type_dict == NULL) {
        return NULL;
    }
    PyObject *descriptor = PyMapping_GetItemString(type_dict, "__name__");
    Py_DECREF(type_dict);
    if (descriptor == NULL) {
        return NULL;
    }
    PyObject *name = PyObject_CallMethod(descriptor, "__get__", "O", (PyObject *)type);
    Py_DECREF(descriptor);
    return name;
}

static int
raise_not_integer(Py_ssize_t position, PyObject *item)
{
    PyObject *name = type_name(Py_TYPE(item));
    if (name == NULL) {
        return -1;
    }
    PyErr_Format(PyExc_TypeError, "add(): item %zd is %U, not an integer", position, name);
    Py_DECREF(name);
    return -1;
}

/*
 * Adds any item that read_small_int() declined. May run Python code (__index__), so the
 * caller must own a strong reference to `item`. Returns 0, or -1 with an exception.
 */
static int
accumulate_item(Accumulator *acc, PyObject *item, Py_ssize_t position)
{
    PyObject *value;
    if (PyLong_CheckExact(item)) {
        Py_INCREF(item);
        value = item;
    }
    else {
        if (!PyIndex_Check(item)) {
            return raise_not_integer(position, item);
        }
        value = PyNumber_Index(item);
        if (value == NULL) {
            return -1; /* whatever __index__ raised propagates unchanged */
        }
        if (!PyLong_CheckExact(value)) {
            /* Python 3.9 returns int subclasses as they are: take the plain int value so
               that an overridden __add__ or __radd__ cannot change the sum. */
            PyObject *exact = PyObject_CallMethod((PyObject *)&PyLong_Type, "__int__", "O", value);
            Py_DECREF(value);
            value = exact;
            if (value == NULL) {
                return -1;
            }
        }
    }
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(value, &overflow);
    int status;
    if (overflow) {
        status = accumulator_add_object(acc, value);
    }
    else if (small == -1 && PyErr_Occurred()) {
        status = -1;
    }
    else {
        status = accumulator_add_small(acc, small);
    }
    Py_DECREF(value);
    return status;
}

static inline Py_ssize_t
sequence_size(PyObject *seq, int is_list)
{
#if defined(Py_LIMITED_API)
    return is_list ? PyList_Size(seq) : PyTuple_Size(seq);
#else
    (void)is_list;
    return Py_SIZE(seq);
#endif
}

/* The item array of a list or tuple; it moves when a list is resized. NULL in the Limited
   API, which has no such array: sequence_item() then makes a call per item. */
static inline PyObject **
sequence_items(PyObject *seq)
{
#if defined(Py_LIMITED_API)
    (void)seq;
    return NULL;
#else
    return PySequence_Fast_ITEMS(seq);
#endif
}

/* Item `i` of a list or tuple, borrowed; the caller has checked that i is in range. */
static inline PyObject *
sequence_item(PyObject *seq, PyObject **items, int is_list, Py_ssize_t i)
{
#if defined(Py_LIMITED_API)
    (void)items;
    return is_list ? PyList_GetItem(seq, i) : PyTuple_GetItem(seq, i);
#else
    (void)seq;
    (void)is_list;
    return items[i];
#endif
}

/* The fast path for a list or tuple. Sets *count to the number of items summed. */
static int
accumulate_sequence(Accumulator *acc, PyObject *seq, int is_list, Py_ssize_t *count)
{
    const PyTypeObject *int_type = &PyLong_Type;
    Py_ssize_t size = sequence_size(seq, is_list);
    PyObject **items = sequence_items(seq);
    Py_ssize_t i = 0;
    long long total = acc->small; /* locals, so that the hot loop keeps them in registers */
    int status = 0;
    for (; i < size; i++) {
#if !defined(Py_LIMITED_API)
        if (i + PREFETCH_DISTANCE < size) {
            PREFETCH(items[i + PREFETCH_DISTANCE]);
        }
#endif
        PyObject *item = sequence_item(seq, items, is_list, i);
        long long value;
        long long sum;
        int small = read_small_int(item, int_type, &value);
        if (small && !UNLIKELY(checked_add(total, value, &sum))) {
            total = sum; /* the hot path: no call, no Python code */
            continue;
        }
        acc->small = total;
        Py_INCREF(item); /* __index__ may drop the list's reference to it */
        status = small ? accumulator_add_small(acc, value) : accumulate_item(acc, item, i);
        Py_DECREF(item);
        total = acc->small;
        if (status < 0) {
            break;
        }
        /* Python code (__index__, a finalizer) may have run and resized, moved or cleared the
           list: look again. */
        size = sequence_size(seq, is_list);
        items = sequence_items(seq);
    }
    acc->small = total;
    *count = i;
    return status;
}

static int
accumulate_iterable(Accumulator *acc, PyObject *iterable, Py_ssize_t *count)
{
    *count = 0;
    PyObject *iterator = PyObject_GetIter(iterable);
    if (iterator == NULL) {
        return -1;
    }
    PyObject *item;
    int status = 0;
    while ((item = PyIter_Next(iterator)) != NULL) {
        long long value;
        if (read_small_int(item, &PyLong_Type, &value)) {
            status = accumulator_add_small(acc, value);
        }
        else {
            status = accumulate_item(acc, item, *count);
        }
        Py_DECREF(item);
        if (status < 0) {
            break;
        }
        (*count)++;
    }
    Py_DECREF(iterator);
    if (status == 0 && PyErr_Occurred()) {
        status = -1; /* the iterator raised: propagate it */
    }
    return status;
}

PyDoc_STRVAR(add_doc, "add(values, /)\n--\n\n"
                      "Return the exact sum of an iterable of integers as an int.\n\n"
                      "Items may be int, bool, int subclasses or any object with __index__.\n"
                      "Raises EmptyListError if there are no items, and TypeError naming the\n"
                      "position and type of the first item that is not an integer.");

static PyObject *
add(PyObject *module, PyObject *values)
{
    ModuleState *state = (ModuleState *)PyModule_GetState(module);
    Accumulator acc = {0, NULL};
    Py_ssize_t count = 0;
    int status;

    /* An __index__ that calls add() recurses through this function, where the interpreter's
       recursion counter cannot see it (before 3.12): count each call, so that deep recursion
       raises RecursionError before the C stack runs out. */
    if (Py_EnterRecursiveCall(" in add()")) {
        return NULL;
    }
    Py_INCREF(values); /* keep the input alive even if __index__ drops every other reference */
    if (PyList_CheckExact(values)) {
        LOCK_LIST(values);
        status = accumulate_sequence(&acc, values, 1, &count);
        UNLOCK_LIST();
    }
    else if (PyTuple_CheckExact(values)) {
        status = accumulate_sequence(&acc, values, 0, &count);
    }
    else {
        status = accumulate_iterable(&acc, values, &count);
    }
    Py_DECREF(values);
    Py_LeaveRecursiveCall();

    PyObject *result = NULL;
    if (status == 0) {
        if (count == 0) {
            PyErr_SetString(state->empty_list_error,
                            "add(): the input is empty, there is nothing to sum");
        }
        else {
            result = accumulator_result(&acc);
        }
    }
    Py_XDECREF(acc.big);
    return result;
}

#if defined(ADDLIST_BENCH_FLOOR) && !defined(Py_LIMITED_API)
/*
 * The benchmark's calibration, built only for scripts/bench (CMake option ADDLIST_BENCH_FLOOR),
 * never into a wheel: the least work that summing a list of small ints can do. It reads each
 * item pointer and the int's size and first digit, prefetching as add() does, and checks
 * nothing: its result is right only for a list of exact ints below 2**30.
 */
static PyObject *
memory_floor(PyObject *module, PyObject *list)
{
    (void)module;
    Py_ssize_t size = PyList_GET_SIZE(list);
    PyObject **items = PySequence_Fast_ITEMS(list);
    long long total = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (i + PREFETCH_DISTANCE < size) {
            PREFETCH(items[i + PREFETCH_DISTANCE]);
        }
#if PY_VERSION_HEX >= 0x030C0000
        total += (long long)PyUnstable_Long_CompactValue((PyLongObject *)items[i]);
#else
        total += Py_SIZE(items[i]) * (long long)((PyLongObject *)items[i])->ob_digit[0];
#endif
    }
    return PyLong_FromLongLong(total);
}
#endif

static PyMethodDef module_methods[] = {
    {"add", (PyCFunction)add, METH_O, add_doc},
#if defined(ADDLIST_BENCH_FLOOR) && !defined(Py_LIMITED_API)
    {"_memory_floor", (PyCFunction)memory_floor, METH_O, NULL},
#endif
    {NULL, NULL, 0, NULL},
};

/* PyModule_AddObjectRef(), which Python 3.9 lacks: the module gets its own reference. */
static int
add_module_object(PyObject *module, const char *name, PyObject *value)
{
    Py_INCREF(value);
    if (PyModule_AddObject(module, name, value) < 0) {
        Py_DECREF(value);
        return -1;
    }
    return 0;
}

static int
module_exec(PyObject *module)
{
    ModuleState *state = (ModuleState *)PyModule_GetState(module);
    PyObject *errors = PyImport_ImportModule("addlist._errors");
    if (errors == NULL) {
        return -1;
    }
    state->empty_list_error = PyObject_GetAttrString(errors, "EmptyListError");
    Py_DECREF(errors);
    if (state->empty_list_error == NULL) {
        return -1;
    }
    if (add_module_object(module, "EmptyListError", state->empty_list_error) < 0) {
        return -1;
    }
#if defined(Py_LIMITED_API)
    const int limited_api = 1;
#else
    const int limited_api = 0;
#endif
#if defined(Py_GIL_DISABLED)
    const int free_threaded_build = 1;
#else
    const int free_threaded_build = 0;
#endif
    if (add_module_object(module, "LIMITED_API", limited_api ? Py_True : Py_False) < 0 ||
        add_module_object(module, "FREE_THREADED_BUILD", free_threaded_build ? Py_True : Py_False) <
            0) {
        return -1;
    }
    /* The Python the module was compiled against: the minimum one for an abi3 build. */
#if defined(Py_LIMITED_API)
    PyObject *built_for = PyUnicode_FromFormat("%d.%d", (int)((Py_LIMITED_API >> 24) & 0xFF),
                                               (int)((Py_LIMITED_API >> 16) & 0xFF));
#else
    PyObject *built_for = PyUnicode_FromFormat("%d.%d", PY_MAJOR_VERSION, PY_MINOR_VERSION);
#endif
    if (built_for == NULL) {
        return -1;
    }
    int status = add_module_object(module, "BUILT_FOR", built_for);
    Py_DECREF(built_for);
    return status;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    ModuleState *state = (ModuleState *)PyModule_GetState(module);
    Py_VISIT(state->empty_list_error);
    return 0;
}

static int
module_clear(PyObject *module)
{
    ModuleState *state = (ModuleState *)PyModule_GetState(module);
    Py_CLEAR(state->empty_list_error);
    return 0;
}

static void
module_free(void *module)
{
    module_clear((PyObject *)module);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
#if defined(Py_mod_multiple_interpreters)
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if defined(Py_mod_gil)
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "addlist._core",
    .m_doc = "The C implementation of addlist: the exact sum of an iterable of integers.",
    .m_size = sizeof(ModuleState),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&module_def);
}
