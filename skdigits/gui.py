"""A window to draw digits with the mouse and recognise them (``skdigits draw``).

The MNIST tutorials' drawing app, done portably: the digit is rendered from the recorded
mouse strokes with Pillow (no screen grabbing), so it works the same on Linux, macOS and
Windows, and the logic can be tested without a display.

- :class:`DrawingSession` (in :mod:`skdigits._drawing`, re-exported here) holds the
  strokes, renders them to a grayscale PIL image and recognises it with a fitted model.
  It knows nothing about Tk.
- :class:`DrawingApp` is the Tk front end: a canvas, "Recognise" and "Clear" buttons and
  the result (digit, confidence, top three, and the 28x28 digit the network saw, so that
  users learn why a drawing failed).
- :func:`run` opens the window; ``skdigits draw`` calls it.

It uses the library (:mod:`skdigits.inference`), never the command line.

Each recognition result is also printed as one line on stdout, e.g.
``7 (98.4%)   top-3: 7 98.4%, 1 1.2%, 9 0.3%`` or ``no prediction: draw a digit first``,
so that scripts (and the end-to-end test) can follow what the window shows.
"""

from __future__ import annotations

import sys

from skdigits._drawing import EMPTY_MESSAGE, TOO_SMALL_MESSAGE, DrawingSession
from skdigits.inference import format_top, plain_label

__all__ = ["DrawingSession", "DrawingApp", "WindowError", "run", "EMPTY_MESSAGE",
           "TOO_SMALL_MESSAGE"]

# Layout of the window, in pixels (the end-to-end test uses them to find the canvas
# and the buttons): the canvas sits PAD + BORDER from the window's top-left corner and
# the button row starts BUTTON_GAP below the canvas' frame.
PAD = 10
BORDER = 1
BUTTON_GAP = 8
PANEL_WIDTH = 200
# The digit the network saw is shown SEEN_ZOOM times its size (28 x 3 = 84 px).
SEEN_ZOOM = 3


class WindowError(RuntimeError):
    """No window can be opened: Tkinter is missing or there is no display."""


class DrawingApp:
    """The Tk window: canvas, "Recognise" and "Clear" buttons, and the result.

    Mouse: left button draws. Keys: Enter recognises, Escape or Delete clears,
    Ctrl-Q or Ctrl-W closes the window.

    Parameters
    ----------
    master : tkinter.Tk or tkinter.Toplevel
        The window to build in.
    session : DrawingSession
        Strokes, rendering and recognition.
    on_result : callable, default=None
        Called with each :class:`~skdigits.inference.Prediction` after Recognise.
    """

    def __init__(self, master, session, *, on_result=None):
        import tkinter as tk
        from tkinter import font as tkfont

        self.master = master
        self.session = session
        self.on_result = on_result
        size = session.size
        master.title("skdigits - draw a digit")
        master.resizable(False, False)
        master.configure(padx=PAD, pady=PAD)

        base = tkfont.nametofont("TkDefaultFont")
        family = base.actual("family")

        frame = tk.Frame(master, background="#888888", padx=BORDER, pady=BORDER,
                         borderwidth=0, highlightthickness=0)
        frame.grid(row=0, column=0, columnspan=2, sticky="nw")
        self.canvas = tk.Canvas(frame, width=size, height=size, background="white",
                                highlightthickness=0, borderwidth=0, cursor="pencil")
        self.canvas.pack()

        buttons = tk.Frame(master)
        buttons.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(BUTTON_GAP, 0))
        buttons.columnconfigure(0, weight=1, uniform="b")
        buttons.columnconfigure(1, weight=1, uniform="b")
        self.recognise_button = tk.Button(buttons, text="Recognise", command=self.recognise,
                                          default="active")
        self.recognise_button.grid(row=0, column=0, sticky="ew", padx=(0, 4))
        self.clear_button = tk.Button(buttons, text="Clear", command=self.clear)
        self.clear_button.grid(row=0, column=1, sticky="ew", padx=(4, 0))

        panel = tk.Frame(master, width=PANEL_WIDTH)
        panel.grid(row=0, column=2, rowspan=2, sticky="ns", padx=(PAD + 4, 0))
        panel.pack_propagate(False)  # fixed width: the window does not jump with the text
        answer = tk.Frame(panel)
        answer.pack(pady=(10, 0))
        self.digit_label = tk.Label(answer, text="?", font=(family, 72, "bold"), width=1,
                                    foreground="#999999")
        self.digit_label.pack(side="left")
        # The 28x28 digit the network saw, beside the answer (empty until Recognise).
        self.seen_label = tk.Label(answer, text="", font=(family, 9), foreground="#555555",
                                   borderwidth=0)
        self.seen_label.pack(side="left", padx=(10, 0))
        self._seen_image = None
        self.confidence_label = tk.Label(panel, text="", font=(family, 14))
        self.confidence_label.pack()
        fixed = tkfont.nametofont("TkFixedFont").actual("family")
        self.top_label = tk.Label(panel, text="", justify="left", font=(fixed, 11))
        self.top_label.pack(pady=(12, 0))
        self.message_label = tk.Label(panel, text="Draw a digit with the mouse,\nthen press Recognise.",
                                      justify="center", wraplength=PANEL_WIDTH - 10, foreground="#555555")
        self.message_label.pack(side="bottom", pady=(0, 4))

        self.canvas.bind("<ButtonPress-1>", self._press)
        self.canvas.bind("<B1-Motion>", self._drag)
        self.canvas.bind("<ButtonRelease-1>", self._release)
        master.bind("<Return>", lambda event: self.recognise())
        master.bind("<KP_Enter>", lambda event: self.recognise())
        master.bind("<Escape>", lambda event: self.clear())
        master.bind("<Delete>", lambda event: self.clear())
        master.bind("<Control-q>", lambda event: self.close())
        master.bind("<Control-w>", lambda event: self.close())
        master.protocol("WM_DELETE_WINDOW", self.close)
        self._last = None

    # -- drawing -------------------------------------------------------------------
    def _dot(self, x, y):
        r = self.session.brush / 2
        self.canvas.create_oval(x - r, y - r, x + r, y + r, fill="black", outline="black")

    def _press(self, event):
        self.session.begin_stroke(event.x, event.y)
        x, y = self.session.strokes[-1][-1]
        self._dot(x, y)
        self._last = (x, y)

    def _drag(self, event):
        self.session.add_point(event.x, event.y)
        x, y = self.session.strokes[-1][-1]
        if self._last is not None:
            self.canvas.create_line(*self._last, x, y, width=self.session.brush, fill="black",
                                    capstyle="round", joinstyle="round")
        self._last = (x, y)

    def _release(self, event):
        self.session.end_stroke()
        self._last = None

    # -- actions -------------------------------------------------------------------
    def recognise(self):
        """Recognise the drawing and show (and report) the result."""
        self.master.configure(cursor="watch")
        self.master.update_idletasks()
        try:
            result = self.session.recognise()
        finally:
            self.master.configure(cursor="")
        self.show(result)
        if self.on_result is not None:
            self.on_result(result)
        return result

    def show(self, result):
        """Display a :class:`~skdigits.inference.Prediction` in the panel."""
        self.show_seen(result.digit_image)
        if result.ok:
            self.digit_label.configure(text=str(plain_label(result.label)), foreground="black")
            self.confidence_label.configure(text=f"{result.confidence:.1%} sure")
            self.top_label.configure(text="Top 3:\n" + format_top(result.top, sep="\n", width=6))
            self.message_label.configure(text="Clear to draw another digit.")
        else:
            self.digit_label.configure(text="?", foreground="#999999")
            self.confidence_label.configure(text="")
            self.top_label.configure(text="")
            message = result.error[0].upper() + result.error[1:] + "."
            self.message_label.configure(text=message)

    def show_seen(self, digit):
        """Show the digit the network saw (white on black, as MNIST), or nothing."""
        import tkinter as tk

        import numpy as np

        if digit is None:
            self.seen_label.configure(image="", text="")
            self._seen_image = None
            return
        gray = np.clip(np.nan_to_num(np.asarray(digit, dtype=float)) * 255, 0, 255).astype(int)
        rows = " ".join(
            "{" + " ".join(f"#{v:02x}{v:02x}{v:02x}" for v in row) + "}" for row in gray
        )
        image = tk.PhotoImage(master=self.master, width=gray.shape[1], height=gray.shape[0])
        image.put(rows)
        self._seen_image = image.zoom(SEEN_ZOOM)  # Tk shows it only while referenced
        self.seen_label.configure(image=self._seen_image, text="network saw",
                                  compound="top")

    def clear(self):
        """Empty the canvas and the result."""
        self.session.clear()
        self.canvas.delete("all")
        self.digit_label.configure(text="?", foreground="#999999")
        self.confidence_label.configure(text="")
        self.top_label.configure(text="")
        self.show_seen(None)
        self.message_label.configure(text="Draw a digit with the mouse,\nthen press Recognise.")

    def close(self):
        """Close the window (ends :func:`run`)."""
        self.master.destroy()


def run(model, *, size=280, brush=None, out=None):
    """Open the drawing window and wait until it is closed.

    Parameters
    ----------
    model : estimator
        A fitted pipeline or classifier (see :class:`DrawingSession`).
    size : int, default=280
        Side of the canvas in pixels.
    brush : int, default=None
        Brush diameter; ``None``: ``size / 14``.
    out : file, default=None
        Where each recognition result is printed as one line; ``None``: ``sys.stdout``.

    Returns
    -------
    status : int
        0 once the window is closed.

    Raises
    ------
    WindowError
        If Tkinter is missing or no display can be opened.
    """
    out = sys.stdout if out is None else out
    try:
        import tkinter as tk
    except ImportError as exc:
        raise WindowError(
            f"Tkinter is not available ({exc}); install it (e.g. apt install python3-tk, "
            "or a python.org build of Python) to use the drawing window."
        ) from None
    session = DrawingSession(model, size=size, brush=brush)
    try:
        root = tk.Tk(className="skdigits")
    except tk.TclError as exc:
        raise WindowError(f"cannot open a window: {exc}.") from None

    def report(result):
        print(result.summary(), file=out, flush=True)

    DrawingApp(root, session, on_result=report)

    def tick():
        # Tk's event loop does not return to Python on its own: this lets Ctrl-C in the
        # terminal interrupt the application.
        root.after(200, tick)

    root.after(200, tick)
    root.after_idle(session.warm_up)
    root.mainloop()
    return 0
