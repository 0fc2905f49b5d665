/*
 * Header: parses and validates a safetensors JSON header.
 *
 * Rules (from the format's specification): the header is a JSON object; "__metadata__", if
 * present, maps strings to strings; every other key is a tensor with a known "dtype", a "shape"
 * of non-negative integers and "data_offsets" [begin, end] relative to the data section; names
 * are unique; the spans tile the data section exactly, with no overlap and no hole.
 */
package dev.spectune.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA_KEY = "__metadata__";
    /** The reference implementation refuses headers above 100 MB. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    static Header parse(Path file, byte[] json, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new SafetensorsException(file, "header could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new SafetensorsException(file, "header is not a JSON object");

        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if (METADATA_KEY.equals(name)) {
                if (!node.isObject()) throw new SafetensorsException(file, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new SafetensorsException(file, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            tensors.put(name, tensor(file, name, node));
        }
        checkTiling(file, tensors, dataSize);
        return new Header(tensors, metadata);
    }

    private static TensorInfo tensor(Path file, String name, JsonNode node) {
        if (!node.isObject()) throw new SafetensorsException(file, "tensor '" + name + "' entry is not an object");
        JsonNode dtypeNode = node.get("dtype"), shapeNode = node.get("shape"), offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new SafetensorsException(file, "tensor '" + name + "' has no dtype string");
        DType dtype = DType.parse(dtypeNode.textValue()).orElseThrow(() ->
                new SafetensorsException(file, "tensor '" + name + "' has unknown dtype '" + dtypeNode.textValue() + "'"));
        if (shapeNode == null || !shapeNode.isArray()) throw new SafetensorsException(file, "tensor '" + name + "' has no shape array");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = nonNegativeInteger(file, name, "shape", shapeNode.get(i));
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new SafetensorsException(file, "tensor '" + name + "' needs data_offsets [begin, end]");
        }
        long begin = nonNegativeInteger(file, name, "data_offsets", offsetsNode.get(0));
        long end = nonNegativeInteger(file, name, "data_offsets", offsetsNode.get(1));
        try {
            return new TensorInfo(name, dtype, shape, begin, end);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new SafetensorsException(file, e.getMessage() == null ? "tensor '" + name + "' is too large" : e.getMessage());
        }
    }

    private static long nonNegativeInteger(Path file, String name, String field, JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new SafetensorsException(file, "tensor '" + name + "' " + field + " holds " + n + ", not a non-negative integer");
        }
        return n.longValue();
    }

    private static void checkTiling(Path file, Map<String, TensorInfo> tensors, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.end() > dataSize) {
                throw new SafetensorsException(file, "tensor '" + t.name() + "' data_offsets [" + t.begin() + ", " + t.end()
                        + "] run past the data section of " + dataSize + " bytes (file truncated?)");
            }
            if (t.begin() < cursor) {
                throw new SafetensorsException(file, "tensor '" + t.name() + "' [" + t.begin() + ", " + t.end() + ") overlaps '"
                        + previous.name() + "' [" + previous.begin() + ", " + previous.end() + ")");
            }
            if (t.begin() > cursor) {
                throw new SafetensorsException(file, "data section has a hole [" + cursor + ", " + t.begin() + ") before tensor '"
                        + t.name() + "'");
            }
            cursor = t.end();
            previous = t;
        }
        if (cursor != dataSize) {
            throw new SafetensorsException(file, "data section has " + dataSize + " bytes but tensors cover " + cursor
                    + (cursor < dataSize ? " (trailing bytes)" : ""));
        }
    }
}
