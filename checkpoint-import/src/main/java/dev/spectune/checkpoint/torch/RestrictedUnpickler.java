/*
 * RestrictedUnpickler: reads the pickle inside a PyTorch zip checkpoint (torch.save, pickle
 * protocol 2; Python's pickletools documents every opcode) without running anything. It knows the
 * plain values (ints, floats, strings, bytes, None, booleans), tuples, lists, dicts, and exactly
 * the references torch.save writes for a state dict: collections.OrderedDict,
 * torch._utils._rebuild_tensor_v2 and _rebuild_parameter, and the typed storages
 * (torch.FloatStorage, …) named by persistent ids ('storage', type, key, location, numel). Any
 * other reference or opcode — a class, a function such as os.system, an object's state — is
 * refused naming what was met: a pickle that needs it is a program, not a checkpoint.
 */
package dev.spectune.checkpoint.torch;

import dev.spectune.checkpoint.CheckpointException;
import dev.spectune.checkpoint.safetensors.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class RestrictedUnpickler {

    /** A tuple (kept apart from lists: torch's shapes and persistent ids are tuples). */
    record Tuple(List<Object> items) {}

    /** A reference to a module attribute the reader knows. */
    record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** One storage of the zip: archive/data/{key}, numel elements of dtype. */
    record Storage(String key, DType dtype, long numel) {}

    /** A tensor: a strided view into a storage (offset and strides in elements). */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride) {}

    static final Map<String, DType> STORAGES = Map.of("FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32, "ShortStorage", DType.I16,
            "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private static final Object MARK = new Object();

    private final String source;
    private final ByteBuffer in;
    private final Deque<Object> stack = new ArrayDeque<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(String source, byte[] pickle) {
        this.source = source;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The pickled object, or a CheckpointException naming what it holds that is not data. */
    static Object load(String source, byte[] pickle) {
        try {
            return new RestrictedUnpickler(source, pickle).run();
        } catch (java.nio.BufferUnderflowException | java.util.NoSuchElementException | ClassCastException | IndexOutOfBoundsException e) {
            throw new CheckpointException(source + ": the pickle is damaged (" + e + ")");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> in.get();                                                  // PROTO
                case 0x95 -> in.getLong();                                              // FRAME
                case '.' -> { return stack.pop(); }                                     // STOP
                case '(' -> { marks.push(stack.size()); stack.push(MARK); }
                case '}' -> stack.push(new LinkedHashMap<>());
                case ']' -> stack.push(new ArrayList<>());
                case ')' -> stack.push(new Tuple(List.of()));
                case 't' -> stack.push(new Tuple(popToMark()));
                case 0x85, 0x86, 0x87 -> {                                               // TUPLE1..3
                    int n = op - 0x84;
                    Object[] items = new Object[n];
                    for (int i = n - 1; i >= 0; i--) items[i] = stack.pop();
                    stack.push(new Tuple(java.util.Arrays.asList(items)));
                }
                case 'X' -> stack.push(text(in.getInt()));                              // BINUNICODE
                case 0x8c -> stack.push(text(in.get() & 0xFF));                         // SHORT_BINUNICODE
                case 0x8d -> stack.push(text(Math.toIntExact(in.getLong())));           // BINUNICODE8
                case 'T' -> stack.push(latin(in.getInt()));                             // BINSTRING
                case 'U' -> stack.push(latin(in.get() & 0xFF));                         // SHORT_BINSTRING
                case 'B' -> stack.push(bytes(in.getInt()));                             // BINBYTES
                case 'C' -> stack.push(bytes(in.get() & 0xFF));                         // SHORT_BINBYTES
                case 'K' -> stack.push((long) (in.get() & 0xFF));                       // BININT1
                case 'M' -> stack.push((long) (in.getShort() & 0xFFFF));                // BININT2
                case 'J' -> stack.push((long) in.getInt());                             // BININT
                case 0x8a -> stack.push(long1(in.get() & 0xFF));                        // LONG1
                case 'G' -> {                                                           // BINFLOAT (big-endian)
                    stack.push(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                    in.order(ByteOrder.LITTLE_ENDIAN);
                }
                case 'N' -> stack.push(Null.NONE);
                case 0x88 -> stack.push(Boolean.TRUE);
                case 0x89 -> stack.push(Boolean.FALSE);
                case 'q' -> memo.put((long) (in.get() & 0xFF), stack.peek());           // BINPUT
                case 'r' -> memo.put(in.getInt() & 0xFFFFFFFFL, stack.peek());          // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), stack.peek());                // MEMOIZE
                case 'h' -> stack.push(recall(in.get() & 0xFF));                        // BINGET
                case 'j' -> stack.push(recall(in.getInt() & 0xFFFFFFFFL));              // LONG_BINGET
                case 'c' -> stack.push(global(line(), line()));                         // GLOBAL
                case 0x93 -> {                                                          // STACK_GLOBAL
                    String name = (String) stack.pop();
                    stack.push(global((String) stack.pop(), name));
                }
                case 'R' -> {                                                           // REDUCE
                    Tuple args = (Tuple) stack.pop();
                    stack.push(call(stack.pop(), args.items()));
                }
                case 'Q' -> stack.push(storage(stack.pop()));                           // BINPERSID
                case 's' -> {                                                           // SETITEM
                    Object value = stack.pop(), key = stack.pop();
                    dict(stack.peek()).put(key, value);
                }
                case 'u' -> {                                                           // SETITEMS
                    List<Object> kv = popToMark();
                    Map<Object, Object> d = dict(stack.peek());
                    for (int i = 0; i + 1 < kv.size(); i += 2) d.put(kv.get(i), kv.get(i + 1));
                }
                case 'a' -> {                                                           // APPEND
                    Object v = stack.pop();
                    list(stack.peek()).add(v);
                }
                case 'e' -> {                                                           // APPENDS
                    List<Object> items = popToMark();
                    list(stack.peek()).addAll(items);
                }
                case 'b' -> {                                                           // BUILD: only the empty state of a plain dict
                    Object state = stack.pop();
                    if (!(stack.peek() instanceof Map) || !(state == Null.NONE || (state instanceof Map<?, ?> m && m.isEmpty()))) {
                        throw refuse("an object's state (BUILD on " + describe(stack.peek()) + ")");
                    }
                }
                default -> throw refuse(String.format("pickle opcode 0x%02x at byte %d", op, in.position() - 1));
            }
        }
    }

    /** Python's None (the deque holds no nulls). */
    enum Null { NONE }

    private Object global(String module, String name) {
        Global g = new Global(module, name);
        boolean known = (module.equals("collections") && name.equals("OrderedDict"))
                || (module.equals("torch._utils") && (name.equals("_rebuild_tensor_v2") || name.equals("_rebuild_parameter")))
                || (module.equals("torch") && STORAGES.containsKey(name));
        if (!known) throw refuse("a reference to " + g);
        return g;
    }

    private Object call(Object callable, List<Object> args) {
        if (!(callable instanceof Global g)) throw refuse("a call of " + describe(callable));
        switch (g.toString()) {
            case "collections.OrderedDict" -> {
                if (!args.isEmpty()) throw refuse("OrderedDict called with arguments");
                return new LinkedHashMap<>();
            }
            case "torch._utils._rebuild_tensor_v2" -> {
                if (args.size() < 4 || !(args.get(0) instanceof Storage s)) throw refuse("_rebuild_tensor_v2 with arguments " + args);
                return new Tensor(s, (Long) args.get(1), longs(args.get(2)), longs(args.get(3)));
            }
            case "torch._utils._rebuild_parameter" -> {
                if (args.isEmpty() || !(args.get(0) instanceof Tensor t)) throw refuse("_rebuild_parameter with arguments " + args);
                return t;
            }
            default -> throw refuse("a call of " + g);
        }
    }

    private Storage storage(Object pid) {
        if (!(pid instanceof Tuple t) || t.items().size() != 5 || !"storage".equals(t.items().get(0)) || !(t.items().get(1) instanceof Global type)
                || !STORAGES.containsKey(type.name())) {
            throw refuse("a persistent id " + describe(pid) + " (expected ('storage', torch.<Type>Storage, key, location, numel))");
        }
        return new Storage(String.valueOf(t.items().get(2)), STORAGES.get(type.name()), (Long) t.items().get(4));
    }

    private static long[] longs(Object tuple) {
        List<Object> items = ((Tuple) tuple).items();
        long[] out = new long[items.size()];
        for (int i = 0; i < out.length; i++) out[i] = (Long) items.get(i);
        return out;
    }

    private List<Object> popToMark() {
        int at = marks.pop();
        List<Object> items = new ArrayList<>();
        while (stack.size() > at + 1) items.add(0, stack.pop());
        stack.pop();                                                                      // the mark
        return items;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw refuse("items set on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw refuse("items appended to " + describe(o));
    }

    private Object recall(long key) {
        Object o = memo.get(key);
        if (o == null) throw new CheckpointException(source + ": the pickle is damaged (memo " + key + " read before it is written)");
        return o;
    }

    private String text(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String latin(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** LONG1: a little-endian two's-complement integer of n bytes (n ≤ 8 here). */
    private long long1(int n) {
        if (n > 8) throw refuse("an integer of " + n + " bytes");
        long v = 0;
        for (int i = 0; i < n; i++) v |= (in.get() & 0xFFL) << (8 * i);
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) v |= -1L << (8 * n);
        return v;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte c; (c = in.get()) != '\n'; ) sb.append((char) (c & 0xFF));
        return sb.toString();
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o instanceof Global g ? g.toString() : o.getClass().getSimpleName();
    }

    private CheckpointException refuse(String what) {
        return new CheckpointException(source + ": refused: the pickle holds " + what + "; spectune reads tensors and plain containers only, "
                + "never code. Convert it to .safetensors where you trust it (safetensors.torch.save_file(torch.load(f)[\"state_dict\"], out))");
    }
}
