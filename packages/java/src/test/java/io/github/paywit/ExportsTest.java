package io.github.paywit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every WIT export has a Java wrapper, and every wrapper is a WIT export. */
class ExportsTest {
    @Test
    void everyWitExportHasAJavaWrapper() throws Exception {
        Properties abi = Guest.abi();
        Set<String> exported = new TreeSet<>();
        for (String key : abi.stringPropertyNames()) {
            if (!key.startsWith("function.")) {
                continue;
            }
            String wit = key.substring("function.".length());
            exported.add(wit);
            String java = Abi.WIT_FUNCTIONS.get(wit);
            assertTrue(java != null, "WIT " + wit + " has no Java wrapper in Abi.WIT_FUNCTIONS");
            int params = Integer.parseInt(abi.getProperty(key).split(" ")[0]);
            assertEquals(java.substring(java.indexOf('/') + 1), String.valueOf(params), wit + ": parameter count");
            String iface = wit.substring(0, wit.indexOf('.'));
            Method m = ConformanceTest.method(iface, wit.substring(wit.indexOf('.') + 1), params);
            assertEquals(java.substring(java.indexOf('#') + 1, java.indexOf('/')), m.getName());
        }
        assertTrue(exported.size() >= 39, exported.size() + " WIT functions");
        assertEquals(exported, new TreeSet<>(Abi.WIT_FUNCTIONS.keySet()), "wrappers that abi.properties does not export");
        // Every core export the wrappers call exists in the module (an instance resolves them all).
        Guest.acquire().release();
    }
}
