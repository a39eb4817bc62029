"""The browser WebKitWebDriver starts for webkit.ts (`webkitgtk:browserOptions.binary` is /usr/bin/python3, this file
its first argument): MiniBrowser in automation mode always uses an ephemeral website-data manager, where IndexedDB
refuses Blob values and OPFS fails, so this opens automation-controlled WebKit2 4.1 views on a persistent data directory.

Arguments: --data-dir=DIR (required; website data and cache go under it; removed when the launcher exits),
--features=+Name,-Name (WebKit features, as MiniBrowser's --features; list them with `MiniBrowser --features=help`),
--automation (accepted, implied).
Debian packages: python3-gi, gir1.2-gtk-3.0, gir1.2-webkit2-4.1.
"""
import ctypes
import os
import shutil
import signal
import sys

import gi

gi.require_version('Gtk', '3.0')
gi.require_version('WebKit2', '4.1')
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402


def main() -> int:
    data_dir = None
    features: list[tuple[str, bool]] = []
    for arg in sys.argv[1:]:
        if arg.startswith('--data-dir='):
            data_dir = arg.split('=', 1)[1]
        elif arg.startswith('--features='):
            for spec in filter(None, arg.split('=', 1)[1].split(',')):
                features.append((spec.lstrip('+-'), not spec.startswith('-')))
        elif arg != '--automation':
            print(f'webkit-launcher: unknown argument {arg}', file=sys.stderr)
            return 2
    if not data_dir:
        print('webkit-launcher: --data-dir=DIR is required', file=sys.stderr)
        return 2

    # Die with WebKitWebDriver (PR_SET_PDEATHSIG), whatever way it ends.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass

    Gtk.init([])
    manager = WebKit2.WebsiteDataManager(
        base_data_directory=os.path.join(data_dir, 'data'),
        base_cache_directory=os.path.join(data_dir, 'cache'),
    )
    context = WebKit2.WebContext(website_data_manager=manager)
    context.set_automation_allowed(True)

    settings = WebKit2.Settings()
    all_features = WebKit2.Settings.get_all_features()
    by_name = {all_features.get(i).get_identifier(): all_features.get(i) for i in range(all_features.get_length())}
    for name, enabled in features:
        feature = by_name.get(name)
        if feature is None:
            print(f'webkit-launcher: unknown WebKit feature {name}', file=sys.stderr)
            return 2
        settings.set_feature_enabled(feature, enabled)

    windows: set[Gtk.Window] = set()

    def create_view(*_args: object) -> WebKit2.WebView:
        view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
        window = Gtk.Window()
        window.set_default_size(1280, 800)
        window.add(view)
        windows.add(window)

        def closed(*_: object) -> None:
            windows.discard(window)
            window.destroy()

        view.connect('close', closed)
        window.connect('delete-event', lambda *_: (closed(), True)[1])
        window.show_all()
        return view

    def automation_started(_context: WebKit2.WebContext, session: WebKit2.AutomationSession) -> None:
        info = WebKit2.ApplicationInfo()
        info.set_name('WebKitGTK')
        info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
        session.set_application_info(info)
        session.connect('create-web-view', create_view)

    context.connect('automation-started', automation_started)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, lambda: (Gtk.main_quit(), False)[1])
    Gtk.main()
    # The profile is this launch's alone: remove it even when the test process died without cleaning up.
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
