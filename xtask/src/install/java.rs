//! The Java package from a clean install: a new Maven project in an empty directory depends on
//! `io.github.paywit:paywit` at the release version from `dist/maven` (a Maven repository in
//! file layout, as a user's `<repository>` would serve it), builds a program a user would write,
//! and runs it: a Stripe delivery signed by hand verifies, a tampered one is refused. The
//! release's copy in `~/.m2` is removed first, so only the artifact can stand in for it (the rest
//! comes from the machine's `~/.m2`, then Maven Central).

use anyhow::{bail, Context, Result};

use crate::dist::Dist;
use crate::install::fresh_dir;

/// A user's program: signs a Stripe delivery with javax.crypto (not with paywit), then verifies
/// it and a tampered copy through the installed package.
const USER_PROGRAM: &str = r#"package example;

import io.github.paywit.Verifier;
import io.github.paywit.Webhooks;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class Main {
    public static void main(String[] args) throws Exception {
        String secret = "whsec_install_check_0123456789abcdef";
        byte[] body = "{\"id\":\"evt_install\",\"type\":\"payment_intent.succeeded\"}".getBytes(StandardCharsets.UTF_8);
        long timestamp = System.currentTimeMillis() / 1000;
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
        String signature = HexFormat.of().formatHex(mac.doFinal(body));
        Map<String, List<String>> headers = Map.of("Stripe-Signature", List.of("t=" + timestamp + ",v1=" + signature));

        Verifier verifier = new Verifier(new Webhooks.Scheme.Stripe(), List.of(secret));
        verifier.verify(headers, body);
        byte[] tampered = (new String(body, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8);
        try {
            verifier.verify(headers, tampered);
            throw new AssertionError("a tampered delivery verified");
        } catch (Webhooks.VerifyNoMatchingSignatureException expected) {
            System.out.println("verified a signed delivery and refused a tampered one");
        }
    }
}
"#;

/// Installs the Java package of `dist` into a new Maven project and runs a user's program with it.
pub fn check(dist: &Dist) -> Result<()> {
    let dir = fresh_dir("java")?;
    let version = &dist.version;
    let repository = format!("file://{}", dist.maven.display());
    let pom = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>paywit-install-check</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <repositories>
    <repository>
      <id>paywit-dist</id>
      <url>{repository}</url>
    </repository>
  </repositories>
  <dependencies>
    <dependency>
      <groupId>io.github.paywit</groupId>
      <artifactId>paywit</artifactId>
      <version>{version}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
    </plugins>
  </build>
</project>
"#
    );
    std::fs::write(dir.join("pom.xml"), pom)?;
    let source = dir.join("src/main/java/example");
    std::fs::create_dir_all(&source)?;
    std::fs::write(source.join("Main.java"), USER_PROGRAM)?;
    // Only the artifact may provide the release: forget any copy ~/.m2 holds.
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let cached = std::path::Path::new(&home).join(".m2/repository/io/github/paywit/paywit").join(version);
    let _ = std::fs::remove_dir_all(&cached);
    let output = crate::java::run_main(&dir, "example.Main")?;
    let origin = std::fs::read_to_string(cached.join("_remote.repositories")).unwrap_or_default();
    if !origin.contains(&format!("paywit-{version}.jar>paywit-dist=")) {
        bail!("io.github.paywit:paywit:{version} did not come from dist/maven: {origin:?}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || stdout.trim() != "verified a signed delivery and refused a tampered one" {
        bail!("the installed Java package printed {stdout:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    eprintln!(
        "xtask: a new Maven project verified a delivery through io.github.paywit:paywit:{version} from dist/maven"
    );
    Ok(())
}
