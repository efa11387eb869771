package io.github.paywit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conformance files' JSON (WIT terms: kebab-case fields, enum case names, variants as a bare
 * case name or a one-key object) to and from the generated Java types, by reflection over the
 * records, enums and sealed interfaces.
 */
final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Wire() {}

    /** conformance/, found from the module's directory (packages/java). */
    static Path conformance() {
        return Path.of(System.getProperty("user.dir")).resolve("../../conformance").normalize();
    }

    static JsonNode read(String relative) throws IOException {
        return JSON.readTree(Files.readString(conformance().resolve(relative)));
    }

    /** {@code lowerCamel} or {@code UpperCamel} as WIT's kebab-case ({@code keyId} → {@code key-id}). */
    static String kebab(String name) {
        String n = name.endsWith("_") ? name.substring(0, name.length() - 1) : name;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    b.append('-');
                }
                b.append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The WIT value {@code node} as a value of the Java type {@code type}. */
    static Object decode(Type type, JsonNode node) throws ReflectiveOperationException {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            Type arg = p.getActualTypeArguments()[0];
            if (raw == Optional.class) {
                return node == null || node.isNull() ? Optional.empty() : Optional.of(decode(arg, node));
            }
            if (raw == List.class) {
                List<Object> out = new ArrayList<>();
                for (JsonNode e : node) {
                    out.add(decode(arg, e));
                }
                return out;
            }
            throw new IllegalArgumentException("unexpected type " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c == int.class || c == Integer.class) {
            return node.asInt();
        }
        if (c == long.class || c == Long.class) {
            return node.isBigInteger() ? node.bigIntegerValue().longValue() : node.asLong();
        }
        if (c == boolean.class || c == Boolean.class) {
            return node.asBoolean();
        }
        if (c == double.class || c == Double.class) {
            return node.asDouble();
        }
        if (c == String.class) {
            return node.asText();
        }
        if (c == Instant.class) {
            return node == null || node.isNull() ? null : Instant.ofEpochSecond(node.asLong());
        }
        if (c == byte[].class) {
            if (node.isTextual()) {
                return java.util.HexFormat.of().parseHex(node.asText());
            }
            byte[] out = new byte[node.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) node.get(i).asInt();
            }
            return out;
        }
        if (c.isEnum()) {
            return c.getMethod("fromWitName", String.class).invoke(null, node.asText());
        }
        if (c.isRecord()) {
            RecordComponent[] components = c.getRecordComponents();
            Object[] args = new Object[components.length];
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                JsonNode field = node.get(kebab(components[i].getName()));
                args[i] = decode(components[i].getGenericType(), field);
                types[i] = components[i].getType();
            }
            return c.getDeclaredConstructor(types).newInstance(args);
        }
        if (c.isSealed() && c.isInterface()) {
            String name;
            JsonNode payload = null;
            if (node.isTextual()) {
                name = node.asText();
            } else {
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                Map.Entry<String, JsonNode> only = fields.next();
                name = only.getKey();
                payload = only.getValue();
            }
            for (Class<?> caseClass : c.getPermittedSubclasses()) {
                if (!kebab(caseClass.getSimpleName()).equals(name)) {
                    continue;
                }
                RecordComponent[] components = caseClass.getRecordComponents();
                if (components.length == 0) {
                    return caseClass.getDeclaredConstructor().newInstance();
                }
                Constructor<?> ctor = caseClass.getDeclaredConstructor(components[0].getType());
                return ctor.newInstance(decode(components[0].getGenericType(), payload));
            }
            throw new IllegalArgumentException(c.getSimpleName() + " has no case " + name);
        }
        throw new IllegalArgumentException("unexpected type " + type);
    }

    /** A Java value as its WIT JSON. */
    static JsonNode encode(Object v) throws ReflectiveOperationException {
        if (v == null) {
            return NODES.nullNode();
        }
        if (v instanceof Optional<?> o) {
            return o.isPresent() ? encode(o.get()) : NODES.nullNode();
        }
        if (v instanceof List<?> l) {
            ArrayNode out = NODES.arrayNode();
            for (Object e : l) {
                out.add(encode(e));
            }
            return out;
        }
        if (v instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (v instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (v instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (v instanceof String s) {
            return NODES.textNode(s);
        }
        if (v instanceof Instant t) {
            return NODES.numberNode(t.getEpochSecond());
        }
        if (v instanceof byte[] b) {
            ArrayNode out = NODES.arrayNode();
            for (byte x : b) {
                out.add(x & 0xFF);
            }
            return out;
        }
        if (v instanceof Enum<?> e) {
            return NODES.textNode((String) e.getClass().getMethod("witName").invoke(e));
        }
        Class<?> c = v.getClass();
        if (c.getInterfaces().length == 1 && c.getInterfaces()[0].isSealed()) {
            String name = kebab(c.getSimpleName());
            RecordComponent[] components = c.getRecordComponents();
            if (components.length == 0) {
                return NODES.textNode(name);
            }
            ObjectNode out = NODES.objectNode();
            out.set(name, encode(components[0].getAccessor().invoke(v)));
            return out;
        }
        if (c.isRecord()) {
            ObjectNode out = NODES.objectNode();
            for (RecordComponent rc : c.getRecordComponents()) {
                out.set(kebab(rc.getName()), encode(rc.getAccessor().invoke(v)));
            }
            return out;
        }
        throw new IllegalArgumentException("cannot encode " + c);
    }

    /** A component error as its WIT JSON: the case name, or {case: payload}. */
    static JsonNode encodeError(PaywitException e) throws ReflectiveOperationException {
        if (e.details() == null) {
            return NODES.textNode(e.code());
        }
        ObjectNode out = NODES.objectNode();
        out.set(e.code(), encode(e.details()));
        return out;
    }

    /**
     * Whether {@code got} matches {@code want}: a record (object) checks only the fields
     * {@code want} names; numbers compare by value.
     */
    static boolean matches(JsonNode want, JsonNode got) {
        if (want.isObject() && got.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = want.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode g = got.get(f.getKey());
                if (g == null || !matches(f.getValue(), g)) {
                    return false;
                }
            }
            return true;
        }
        if (want.isArray() && got.isArray()) {
            if (want.size() != got.size()) {
                return false;
            }
            for (int i = 0; i < want.size(); i++) {
                if (!matches(want.get(i), got.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (want.isNumber() && got.isNumber()) {
            return want.decimalValue().compareTo(got.decimalValue()) == 0;
        }
        return want.equals(got);
    }
}
