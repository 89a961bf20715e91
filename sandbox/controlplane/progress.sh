# Progress lines for a long step that is otherwise silent (sourced by build.sh).
#
#   progress_begin "<what>" <status-function>   # starts a ticker
#   ...the slow work...
#   progress_end                                # stops it (also safe in an EXIT trap)
#
# Every $TERRAPLANE_PROGRESS_SECONDS (default 10) the ticker prints
#   <what>: <status> (<elapsed> elapsed)
# to stderr, where <status> is what <status-function> prints; the function runs in the ticker's
# subshell, so it must read its state from files, not from variables the caller changes later.

progress_elapsed() {
	local s=$((SECONDS - _progress_t0))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

progress_begin() {
	_progress_what=$1
	_progress_fn=$2
	_progress_t0=$SECONDS
	local every=${TERRAPLANE_PROGRESS_SECONDS:-10}
	(
		# The sleep runs in the background so a TERM is handled at once, and without our stderr so
		# nothing holds the caller's pipes open after progress_end.
		nap=
		trap '[[ -n $nap ]] && kill "$nap" 2>/dev/null; exit 0' TERM
		while :; do
			sleep "$every" </dev/null >/dev/null 2>&1 &
			nap=$!
			wait "$nap" || true
			printf '%s: %s (%s elapsed)\n' "$_progress_what" "$("$_progress_fn")" "$(progress_elapsed)" >&2
		done
	) &
	_progress_pid=$!
}

progress_end() {
	if [[ -n ${_progress_pid:-} ]]; then
		kill "$_progress_pid" 2>/dev/null || true
		wait "$_progress_pid" 2>/dev/null || true
		_progress_pid=
	fi
}
