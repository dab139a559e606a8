# benches/cortex-m4/plugin.sh -- sourced by measure.sh and profile.sh (which set
# $repo and $build_dir first): builds the counting plugin into $build_dir and
# defines `sym`, which finds the window markers in a firmware.

# The project's one copy of the counting plugin lives with the firmware example.
plugin_src="$repo/examples/cortex-m4/tools/insncount.c"
plugin="$build_dir/libinsncount.so"
if [ ! -e "$plugin" ] || [ "$plugin_src" -nt "$plugin" ]; then
    gcc -O2 -shared -fPIC -fvisibility=hidden -o "$plugin" "$plugin_src"
fi

sym() { # address of a global symbol, Thumb bit cleared
    printf '0x%x\n' $(( 0x$(arm-none-eabi-nm "$1" | awk -v s="$2" '$3==s { print $1; exit }') & ~1 ))
}
