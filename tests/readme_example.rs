//! The embedding example from README.md, compiled and run so it cannot go
//! stale. `readme_shows_this_example` checks that the README still shows
//! exactly the code between the markers below (with `main` for `example`).

// README example begins
use tandem::{Engine, Linker, Module, Store};

fn example() -> tandem::Result<()> {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"
        (module
          (import "host" "double" (func $double (param i32) (result i32)))
          (func (export "quadruple") (param i32) (result i32)
            local.get 0
            call $double
            call $double))
        "#,
    )?;

    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "double", |x: i32| x * 2)?;

    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module)?;
    let quadruple = instance.get_typed_func::<i32, i32>(&mut store, "quadruple")?;
    assert_eq!(quadruple.call(&mut store, 5)?, 20);
    Ok(())
}
// README example ends

#[test]
fn readme_example_runs() {
    example().unwrap();
}

#[test]
fn readme_shows_this_example() {
    let source = include_str!("readme_example.rs");
    let begin = "// README example begins\n";
    let end = "// README example ends";
    let start = source.find(begin).unwrap() + begin.len();
    let stop = source.find(end).unwrap();
    let expected = source[start..stop].replace("fn example()", "fn main()");

    let readme = include_str!("../README.md");
    let fence = "```rust\n";
    let block_start = readme.find(fence).expect("README has a rust block") + fence.len();
    let block_len = readme[block_start..].find("```").unwrap();
    assert_eq!(
        &readme[block_start..block_start + block_len],
        expected,
        "README.md's example differs from tests/readme_example.rs"
    );
}
