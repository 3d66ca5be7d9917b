//! The files of a built site, walked once the same way for precompressing (compress.rs),
//! measuring (size.rs) and uploading (deploy.rs).

use std::path::{Path, PathBuf};

/// Every file under `dir`, sorted, each with its name relative to `dir` (`/`-separated).
pub fn site_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, String)>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (path, name)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_with_its_slash_name_in_order() {
        let dir = std::env::temp_dir().join(format!("xtask-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("b/c")).unwrap();
        for name in ["z.js", "b/c/d.css", "a.html"] {
            std::fs::write(dir.join(name), name).unwrap();
        }
        let names: Vec<String> = site_files(&dir)
            .unwrap()
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, ["a.html", "b/c/d.css", "z.js"]);
    }
}
