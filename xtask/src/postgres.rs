//! A throwaway PostgreSQL cluster for the tests: the machines run no database server, so
//! `cargo xtask test` makes its own (Debian's `postgresql` installed when missing), on a free
//! loopback port, under `target/postgres/`, and stops it when the tests are done, whatever
//! else the machine runs. `PAYWIT_PG_URL` points the tests at an existing server instead.
//!
//! The cluster listens on TCP only (a Unix socket path under a deep checkout would pass the
//! 107-byte limit) and takes a password made for this run (scram-sha-256), so no other local
//! user can use it. A run killed before it stops the server leaves it running until the next
//! run, which stops it first.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::tools::{apt_install, is_root, root, run};

/// The environment variable the tests read the server's URL from.
pub const URL_VARIABLE: &str = "PAYWIT_PG_URL";

/// A server for the tests: the one `PAYWIT_PG_URL` names, or a cluster this process started
/// (stopped when dropped). Either way the tests find it in `PAYWIT_PG_URL`, inherited from this
/// process: set in its environment, not on each command, so the commands xtask prints never show
/// the password.
pub struct Postgres {
    /// The cluster this process started, if it started one.
    cluster: Option<Cluster>,
}

struct Cluster {
    bin: PathBuf,
    data: PathBuf,
}

impl Postgres {
    /// `PAYWIT_PG_URL` when set, else a new cluster.
    pub fn start() -> Result<Postgres> {
        if std::env::var_os(URL_VARIABLE).is_some() {
            eprintln!("xtask: PostgreSQL tests use {URL_VARIABLE}");
            return Ok(Postgres { cluster: None });
        }
        let bin = server_binaries()?;
        let dir = cluster_dir()?;
        let data = dir.join("data");
        // A cluster a killed run left behind is stopped before it is replaced.
        if data.join("postmaster.pid").exists() {
            let _ = as_server_user(&bin.join("pg_ctl")).arg("-D").arg(&data).args(["-m", "immediate", "stop"]).output();
        }
        if data.exists() {
            std::fs::remove_dir_all(&data).with_context(|| format!("removing the old cluster {}", data.display()))?;
        }
        let password = random_hex(16)?;
        let password_file = dir.join("password");
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file =
                std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&password_file)?;
            file.write_all(password.as_bytes())?;
        }
        give_to_server_user(&password_file)?;
        let output = as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["--auth=scram-sha-256", "--username=postgres", "--encoding=UTF8", "--no-sync", "--pwfile"])
            .arg(&password_file)
            .output()
            .context("could not start initdb")?;
        std::fs::remove_file(&password_file)?;
        if !output.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        let port = free_port()?;
        // A throwaway cluster: no fsync; tests kill workers and receivers, never the server.
        let options = format!(
            "-p {port} -c unix_socket_directories='' -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off"
        );
        // Made before the start, so a start that fails or times out is stopped too.
        let cluster = Postgres { cluster: Some(Cluster { bin: bin.clone(), data: data.clone() }) };
        run(as_server_user(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "start"]))
        .with_context(|| format!("starting PostgreSQL (its log: {})", dir.join("server.log").display()))?;
        eprintln!("xtask: started a throwaway PostgreSQL on 127.0.0.1:{port} ({})", data.display());
        // `postgres` database: the tests make a schema of their own in it. xtask runs its commands
        // one after another from this one thread.
        std::env::set_var(URL_VARIABLE, format!("postgresql://postgres:{password}@127.0.0.1:{port}/postgres"));
        Ok(cluster)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(cluster) = &self.cluster {
            std::env::remove_var(URL_VARIABLE);
            let stopped = as_server_user(&cluster.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&cluster.data)
                .args(["-m", "fast", "-w", "stop"])
                .output();
            match stopped {
                Ok(output) if output.status.success() => eprintln!("xtask: stopped the throwaway PostgreSQL"),
                _ => eprintln!("xtask: could not stop the PostgreSQL in {}", cluster.data.display()),
            }
        }
    }
}

/// The directory of Debian's PostgreSQL server binaries (`initdb`, `pg_ctl`), installing
/// `postgresql` with apt-get when there is none (idempotent).
fn server_binaries() -> Result<PathBuf> {
    let find = || -> Option<PathBuf> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        versions.sort();
        versions.pop()
    };
    if let Some(bin) = find() {
        return Ok(bin);
    }
    apt_install("postgresql")?;
    find().context("no initdb under /usr/lib/postgresql after installing Debian's postgresql")
}

/// `target/postgres`, writable by the user the server runs as. Under root that is Debian's
/// `postgres` user (initdb refuses root), which must also be able to reach the directory; when
/// it cannot (a checkout under a private home), a new private directory under the system's
/// temp dir is used.
fn cluster_dir() -> Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let preferred = root().join("target").join("postgres");
    std::fs::create_dir_all(&preferred)?;
    if !is_root() {
        return Ok(preferred);
    }
    give_to_server_user(&preferred)?;
    if reachable_by_server_user(&preferred) {
        return Ok(preferred);
    }
    let fallback = std::env::temp_dir().join(format!("paywit-postgres-{}-{}", std::process::id(), random_hex(4)?));
    std::fs::DirBuilder::new().mode(0o700).create(&fallback)?; // new: fails if it exists
    give_to_server_user(&fallback)?;
    if reachable_by_server_user(&fallback) {
        return Ok(fallback);
    }
    bail!("the postgres user can write neither target/postgres nor a temp dir: set {URL_VARIABLE}")
}

/// Whether the server's user can write `dir` (it must reach it through every parent).
fn reachable_by_server_user(dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-w"])
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Makes `path` (recursively) the server user's when this is root.
fn give_to_server_user(path: &Path) -> Result<()> {
    if is_root() {
        run(Command::new("chown").args(["-R", "postgres:"]).arg(path))?;
    }
    Ok(())
}

/// `bytes` random bytes from the kernel, as hex.
fn random_hex(bytes: usize) -> Result<String> {
    use std::io::Read;
    let mut buffer = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buffer)?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// `program` run as the server's user: the `postgres` user when this is root, else as is.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
