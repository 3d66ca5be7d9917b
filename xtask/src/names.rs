//! Release builds: the wasm's import and export names made short (issue 12: bytes on the wire,
//! −2.5 KB brotli). wasm-bindgen names each import after its JS function plus a 16-hex-digit hash
//! (`__wbg_setAttribute_2704501201f15687`) and writes every name twice, in the wasm and in its JS
//! glue: about 160 names whose hashes no compressor can shrink. binaryen's
//! `--minify-imports-and-exports-and-modules` (the pass Emscripten uses) renames them in the wasm
//! and prints the mapping; this step applies the same mapping to the glue, checks that the two
//! agree (the mapping matches the wasm binaryen wrote; every import the wasm asks for is a key of
//! the glue's import object), and fixes both files' integrity hashes in `index.html`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// The features the build's wasm uses, for every wasm-opt run over it (here and split.rs).
pub const FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// What binaryen renamed: imports `(module, name) -> new name`, exports `name -> new name`.
#[derive(Debug, Default, PartialEq)]
pub struct Mapping {
    pub imports: BTreeMap<(String, String), String>,
    pub exports: BTreeMap<String, String>,
}

/// Read the mapping binaryen prints: `{"imports": [[module, name, new], …], "exports":
/// [[name, new], …]}`, one entry per line, with trailing commas (so not strict JSON).
pub fn parse_mapping(text: &str) -> Result<Mapping, String> {
    let mut mapping = Mapping::default();
    for line in text.lines() {
        let entry = line.trim().trim_end_matches(',');
        if !entry.starts_with("[\"") {
            continue;
        }
        let fields: Vec<String> = serde_json::from_str(entry)
            .map_err(|e| format!("binaryen's name mapping: {entry}: {e}"))?;
        match <[String; 3]>::try_from(fields) {
            Ok([module, name, new]) => {
                mapping.imports.insert((module, name), new);
            }
            Err(fields) => match <[String; 2]>::try_from(fields) {
                Ok([name, new]) => {
                    mapping.exports.insert(name, new);
                }
                Err(fields) => return Err(format!("binaryen's name mapping: {fields:?}")),
            },
        }
    }
    if mapping.imports.is_empty() || mapping.exports.is_empty() {
        return Err("binaryen's name mapping names no imports or no exports".into());
    }
    Ok(mapping)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// Replace each `from` in `text` that is not followed by an identifier character; how many.
fn replace_token(text: &str, from: &str, to: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let after = &rest[at + from.len()..];
        out.push_str(&rest[..at]);
        if after.starts_with(is_ident) {
            out.push_str(from);
        } else {
            out.push_str(to);
            count += 1;
        }
        rest = after;
    }
    out.push_str(rest);
    (out, count)
}

/// The glue with `mapping` applied: each import's key in the import object, the module's key
/// (`"./x_bg.js": import0`), and each `wasm.<export>`. `modules` maps old module names to new.
pub fn rename_glue(
    js: &str,
    mapping: &Mapping,
    modules: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut js = js.to_owned();
    for ((module, name), new) in &mapping.imports {
        if module == crate::split::LINK_MODULE {
            continue; // the link module's own export names ([`rename_link`])
        }
        let (out, n) = replace_token(&js, &format!("{name}:"), &format!("{new}:"));
        if n != 1 {
            return Err(format!(
                "the JS glue has {n} keys `{name}:` for the wasm's import (expected 1)"
            ));
        }
        js = out;
    }
    js = link_entry(&js, mapping, modules)?;
    let link = crate::split::LINK_MODULE;
    let merged = |old: &str| {
        old == link
            && modules
                .iter()
                .any(|(o, n)| o != link && Some(n) == modules.get(link))
    };
    for (old, new) in modules {
        if merged(old) {
            continue; // its loaders joined the other module's object (link_entry)
        }
        let (out, n) = replace_token(&js, &format!("\"{old}\":"), &format!("\"{new}\":"));
        if n != 1 {
            return Err(format!(
                "the JS glue names the import module \"{old}\" {n} times (expected 1)"
            ));
        }
        js = out;
    }
    // Each `wasm.<export>` in one pass (a new name is never renamed again).
    let mut out = String::with_capacity(js.len());
    let mut rest = js.as_str();
    while let Some(at) = rest.find("wasm.") {
        let start = at + "wasm.".len();
        out.push_str(&rest[..start]);
        let name: String = rest[start..].chars().take_while(|&c| is_ident(c)).collect();
        rest = &rest[start + name.len()..];
        if out[..out.len() - "wasm.".len()].ends_with(is_ident) {
            out.push_str(&name); // e.g. `new_wasm.x`: not the exports object
            continue;
        }
        // A name the wasm did not export before either stays: index.html's wasm-opt step
        // removes the exports of wasm-streams' classes, which the glue still defines, unused.
        out.push_str(mapping.exports.get(&name).unwrap_or(&name));
    }
    out.push_str(rest);
    Ok(out)
}

/// The split build's link module (xtask/src/split.rs) with `mapping` applied: the main wasm's
/// exports it hands to the later part are read by their new names (and passed on under the old
/// ones, which the later part imports). The loaders it exports keep their names; the glue maps
/// them ([`link_entry`]).
pub fn rename_link(js: &str, mapping: &Mapping) -> Result<String, String> {
    let js = js.to_owned();
    let marker = " } = initSync(";
    let end = js
        .find(marker)
        .ok_or("the split loader does not read the main wasm's exports from initSync")?;
    let start = js[..end]
        .rfind("const { ")
        .ok_or("the split loader's read of the main wasm's exports is not `const { … }`")?
        + "const { ".len();
    let mut names = Vec::new();
    for name in js[start..end]
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let new = mapping.exports.get(name).ok_or_else(|| {
            format!("the split loader reads `{name}`, which the main wasm does not export")
        })?;
        names.push(format!("{new}: {name}"));
    }
    Ok(format!(
        "{}{}{}",
        &js[..start],
        names.join(", "),
        &js[end..]
    ))
}

/// The glue's entry for the split build's link module (`"./split.js": import1`, its namespace)
/// made an object of the loaders under their new names; binaryen gives every import one module,
/// so when another module became the same one, the loaders join that module's object instead.
fn link_entry(
    js: &str,
    mapping: &Mapping,
    modules: &BTreeMap<String, String>,
) -> Result<String, String> {
    let link = crate::split::LINK_MODULE;
    let Some(link_new) = modules.get(link) else {
        return Ok(js.to_owned());
    };
    let key = format!("\"{link}\": ");
    let at = match js.matches(&key).count() {
        1 => js.find(&key).unwrap_or_default(),
        n => return Err(format!("the JS glue names {link} {n} times (expected 1)")),
    };
    let rest = &js[at + key.len()..];
    let ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
    if ident.is_empty() || !rest[ident.len()..].starts_with(',') {
        return Err(format!(
            "the JS glue's entry for {link} is not `{key}<name>,`"
        ));
    }
    let loaders: Vec<String> = mapping
        .imports
        .iter()
        .filter(|((module, _), _)| module == link)
        .map(|((_, name), new)| format!("{new}: {ident}.{name}"))
        .collect();
    let loaders = format!("{{ {} }}", loaders.join(", "));
    let entry_end = at + key.len() + ident.len() + 1;
    let shared = modules
        .iter()
        .find(|(old, new)| old.as_str() != link && *new == link_new);
    let Some((other, _)) = shared else {
        return Ok(format!("{}{key}{loaders},{}", &js[..at], &js[entry_end..]));
    };
    let without = format!("{}{}", &js[..at], &js[entry_end..]);
    let other_key = format!("\"{other}\": ");
    let other_at = match without.matches(&other_key).count() {
        1 => without.find(&other_key).unwrap_or_default() + other_key.len(),
        n => return Err(format!("the JS glue names {other} {n} times (expected 1)")),
    };
    let rest = &without[other_at..];
    let other_ident: String = rest.chars().take_while(|&c| is_ident(c)).collect();
    if other_ident.is_empty() {
        return Err(format!(
            "the JS glue's entry for {other} is not `{other_key}<name>`"
        ));
    }
    Ok(format!(
        "{}Object.assign({other_ident}, {loaders}){}",
        &without[..other_at],
        &without[other_at + other_ident.len()..]
    ))
}

/// The (module, name) of each import and the name of each export of a wasm module.
pub type Interface = (Vec<(String, String)>, Vec<String>);

/// Read the [`Interface`] of a wasm module.
pub fn interface(wasm: &[u8]) -> Result<Interface, String> {
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| format!("reading the wasm: {e}"))? {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import.map_err(|e| format!("reading the wasm's imports: {e}"))?;
                    imports.push((import.module.to_owned(), import.name.to_owned()));
                }
            }
            wasmparser::Payload::ExportSection(section) => {
                for export in section {
                    let export = export.map_err(|e| format!("reading the wasm's exports: {e}"))?;
                    exports.push(export.name.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Shorten the names of the one `*_bg.wasm` in Trunk's staging `dir` and of its glue.
pub fn shorten(dir: &Path) -> Result<(), String> {
    let files = crate::files::site_files(dir).map_err(|e| format!("reading {dir:?}: {e}"))?;
    let wasm_path = match files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().ends_with("_bg.wasm"))
        .collect::<Vec<_>>()[..]
    {
        [(path, _)] => path.clone(),
        ref found => {
            return Err(format!(
                "expected one *_bg.wasm in {dir:?}, found {}",
                found.len()
            ))
        }
    };
    let stem = wasm_path
        .to_string_lossy()
        .trim_end_matches("_bg.wasm")
        .to_owned();
    let js_path = Path::new(&format!("{stem}.js")).to_path_buf();
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("reading {}: {e}", p.display()));
    let (wasm_before, js_before) = (read(&wasm_path)?, read(&js_path)?);
    let (old_imports, _) = interface(&wasm_before)?;

    let out = Command::new("wasm-opt")
        .args(FEATURES)
        .arg("--minify-imports-and-exports-and-modules")
        .arg(&wasm_path)
        .arg("-o")
        .arg(&wasm_path)
        .output()
        .map_err(|e| format!("running wasm-opt (cargo xtask setup installs it): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "wasm-opt --minify-imports-and-exports-and-modules: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mapping = parse_mapping(&String::from_utf8_lossy(&out.stdout))?;
    let wasm_after = read(&wasm_path)?;
    let (new_imports, new_exports) = interface(&wasm_after)?;

    // Which module each old module became, read from the new wasm (imports keep their order).
    let mut modules = BTreeMap::new();
    for ((old_module, old_name), (new_module, new_name)) in old_imports.iter().zip(&new_imports) {
        if mapping.imports.get(&(old_module.clone(), old_name.clone())) != Some(new_name) {
            return Err(format!(
                "wasm-opt's mapping does not match its output for the import {old_name}"
            ));
        }
        if let Some(seen) = modules.insert(old_module.clone(), new_module.clone()) {
            if &seen != new_module {
                return Err(format!(
                    "the import module {old_module} was split by wasm-opt"
                ));
            }
        }
    }
    if old_imports.len() != new_imports.len()
        || new_exports.iter().collect::<BTreeSet<_>>()
            != mapping.exports.values().collect::<BTreeSet<_>>()
    {
        return Err("wasm-opt's mapping does not match the wasm it wrote".into());
    }

    let js = String::from_utf8(js_before.clone()).map_err(|e| format!("{js_path:?}: {e}"))?;
    let js_after = rename_glue(&js, &mapping, &modules)?;
    std::fs::write(&js_path, &js_after).map_err(|e| format!("writing {js_path:?}: {e}"))?;
    let link_path = dir.join(crate::split::LINK_JS);
    let link_before = read(&link_path)?;
    let link = String::from_utf8(link_before.clone()).map_err(|e| format!("{link_path:?}: {e}"))?;
    let link_after = rename_link(&link, &mapping)?;
    std::fs::write(&link_path, &link_after).map_err(|e| format!("writing {link_path:?}: {e}"))?;

    let index = dir.join("index.html");
    let page = String::from_utf8(read(&index)?).map_err(|e| format!("{index:?}: {e}"))?;
    let page = crate::minify::swap_integrity(&page, &wasm_before, &wasm_after);
    let page = crate::minify::swap_integrity(&page, &js_before, js_after.as_bytes());
    let page = crate::minify::swap_integrity(&page, &link_before, link_after.as_bytes());
    std::fs::write(&index, page).map_err(|e| format!("writing {index:?}: {e}"))?;
    println!(
        "shortened {} import and {} export names ({} -> {} bytes of wasm)",
        mapping.imports.len(),
        mapping.exports.len(),
        wasm_before.len(),
        wasm_after.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = r#"{
 "imports": [
  ["./app_bg.js", "__wbg_setAttribute_2704501201f15687", "a"],
  ["./app_bg.js", "__wbindgen_init_externref_table", "b"],
 ],
"exports": [
  ["memory", "c"],
  ["__wbindgen_malloc", "d"],
  ["invoke__h0b81", "e"],
  ["invoke__h0b81_13", "f"]
 ]
}
"#;

    const GLUE: &str = r#"function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_setAttribute_2704501201f15687: function() { return handleError(function (arg0, arg1) {
            arg0.setAttribute(getStringFromWasm0(arg1, 2), wasm.__wbindgen_malloc);
        }, arguments); },
        __wbindgen_init_externref_table: function() {
            const table = wasm.memory;
        },
    };
    return {
        __proto__: null,
        "./app_bg.js": import0,
    };
}
function invoke__h0b81(a) { wasm.invoke__h0b81(a); wasm.invoke__h0b81_13(a); }
"#;

    fn modules() -> BTreeMap<String, String> {
        BTreeMap::from([("./app_bg.js".to_owned(), "z".to_owned())])
    }

    #[test]
    fn binaryens_mapping_is_read_with_its_trailing_commas() {
        let m = parse_mapping(MAPPING).unwrap();
        assert_eq!(
            m.imports[&(
                "./app_bg.js".into(),
                "__wbg_setAttribute_2704501201f15687".into()
            )],
            "a"
        );
        assert_eq!(m.exports["invoke__h0b81_13"], "f");
        assert_eq!((m.imports.len(), m.exports.len()), (2, 4));
        assert!(parse_mapping("{\n \"imports\": [\n ],\n\"exports\": [\n ]\n}").is_err());
    }

    #[test]
    fn the_glue_gets_the_same_names_and_nothing_else_changes() {
        let m = parse_mapping(MAPPING).unwrap();
        let js = rename_glue(GLUE, &m, &modules()).unwrap();
        assert!(
            js.contains("        a: function() { return handleError"),
            "{js}"
        );
        assert!(js.contains("        b: function() {"), "{js}");
        assert!(js.contains("\"z\": import0"), "{js}");
        assert!(js.contains("getStringFromWasm0(arg1, 2), wasm.d)"), "{js}");
        assert!(js.contains("const table = wasm.c;"), "{js}");
        // A name that starts another one is renamed on its own; the JS function keeps its name.
        assert!(
            js.contains("function invoke__h0b81(a) { wasm.e(a); wasm.f(a); }"),
            "{js}"
        );
        assert!(!js.contains("2704501201f15687") && !js.contains("./app_bg.js"));
    }

    #[test]
    fn a_glue_without_the_wasms_imports_is_refused() {
        let m = parse_mapping(MAPPING).unwrap();
        // An import the glue does not provide: the page would fail to instantiate.
        let missing = GLUE.replace("__wbindgen_init_externref_table:", "other:");
        assert!(rename_glue(&missing, &m, &modules())
            .unwrap_err()
            .contains("__wbindgen_init_externref_table"));
        // An export the wasm never had is left as it is (not renamed to something else).
        let unknown = GLUE.replace("wasm.memory", "wasm.gone");
        assert!(rename_glue(&unknown, &m, &modules())
            .unwrap()
            .contains("const table = wasm.gone;"));
        // A module name the glue does not use.
        let other = BTreeMap::from([("./other.js".to_owned(), "z".to_owned())]);
        assert!(rename_glue(GLUE, &m, &other).is_err());
    }

    #[test]
    fn the_interface_of_a_wasm_module_is_read() {
        // (module (import "m" "f" (func)) (func (export "g")))
        let wasm = [
            0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
            1, 4, 1, 0x60, 0, 0, // type section: () -> ()
            2, 7, 1, 1, b'm', 1, b'f', 0, 0, // import section: m.f, func type 0
            3, 2, 1, 0, // function section: one func of type 0
            7, 5, 1, 1, b'g', 0, 1, // export section: g = func 1
            10, 4, 1, 2, 0, 0x0b, // code section: empty body
        ];
        let (imports, exports) = interface(&wasm).unwrap();
        assert_eq!(imports, [("m".to_owned(), "f".to_owned())]);
        assert_eq!(exports, ["g"]);
    }

    /// The split build's glue: the loader imports come from the link module's namespace.
    const SPLIT_GLUE: &str = r#"import * as import1 from "./split.js"
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_setAttribute_2704501201f15687: function() { wasm.memory; },
        __wbindgen_init_externref_table: function() {},
    };
    return {
        __proto__: null,
        "./app_bg.js": import0,
        "./split.js": import1,
    };
}
"#;

    fn split_mapping() -> Mapping {
        let mut mapping = parse_mapping(MAPPING).unwrap();
        mapping.imports.insert(
            ("./split.js".into(), "__wasm_split_load_later".into()),
            "g".into(),
        );
        mapping
            .exports
            .insert("__indirect_function_table".into(), "h".into());
        mapping
    }

    #[test]
    fn the_split_loaders_join_the_one_import_module_binaryen_makes() {
        // binaryen gave every import the module "z": the loader joins import0's object, under
        // its new name, read from the link module's namespace by its own.
        let modules = BTreeMap::from([
            ("./app_bg.js".to_owned(), "z".to_owned()),
            ("./split.js".to_owned(), "z".to_owned()),
        ]);
        let js = rename_glue(SPLIT_GLUE, &split_mapping(), &modules).unwrap();
        assert!(
            js.contains(r#""z": Object.assign(import0, { g: import1.__wasm_split_load_later }),"#),
            "{js}"
        );
        assert!(!js.contains(r#""./split.js":"#), "{js}");
        assert!(
            js.contains("import * as import1 from \"./split.js\""),
            "{js}"
        );
        assert_eq!(js.matches(r#""z":"#).count(), 1, "one key per module: {js}");
        // Two modules kept apart: the link module's entry becomes an object of its own.
        let apart = BTreeMap::from([
            ("./app_bg.js".to_owned(), "z".to_owned()),
            ("./split.js".to_owned(), "y".to_owned()),
        ]);
        let js = rename_glue(SPLIT_GLUE, &split_mapping(), &apart).unwrap();
        assert!(
            js.contains(r#""y": { g: import1.__wasm_split_load_later },"#),
            "{js}"
        );
        assert!(js.contains(r#""z": import0,"#), "{js}");
    }

    #[test]
    fn the_split_loader_reads_the_main_wasms_exports_by_their_new_names() {
        let link = "import { initSync } from \"./app.js\";\n\
            const { __indirect_function_table, memory,  } = initSync(undefined, undefined);\n\
            Object.assign(sharedImports.__wasm_split, { __indirect_function_table, memory,  });";
        let js = rename_link(link, &split_mapping()).unwrap();
        assert!(
            js.contains("const { h: __indirect_function_table, c: memory } = initSync("),
            "{js}"
        );
        // What the later part imports keeps the old names.
        assert!(
            js.contains("{ __indirect_function_table, memory,  }"),
            "{js}"
        );
        let mut mapping = split_mapping();
        mapping.exports.remove("memory");
        let err = rename_link(link, &mapping).unwrap_err();
        assert!(
            err.contains("`memory`, which the main wasm does not export"),
            "{err}"
        );
        assert!(rename_link("export const a = 1;", &mapping).is_err());
    }
}
