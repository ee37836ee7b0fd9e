// The new token's page (templates/people/token_made.html): a button that copies the token,
// and says so in a status line a screen reader reads out. Where the browser gives no
// clipboard (the script not running, a page not on HTTPS) the button stays hidden and the
// token is selected and copied by hand.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.status);
    if (!navigator.clipboard || !source) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        status.textContent = button.dataset.done;
      } catch {
        source.select();
        status.textContent = button.dataset.failed;
      }
    });
  }
});
