package dev.ferry.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page at {@code /} in a real browser (Debian's headless Chromium): it lists the model, sends
 * the files picked to {@code /predict}, and shows for each the class and probability the API gives
 * for the same bytes, the crop the model saw, per-file errors, and asks for the token when the
 * server needs one.
 */
class PageTest {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static Path model;
    static List<Path> images;
    static FerryServer server;
    /** The server with a token, started by its test. */
    static FerryServer guarded;
    static ChromeDriver driver;
    /** The top class of each test image as {@code POST /predict/m?top_k=5} answers it. */
    static final Map<Path, JsonObject> API_TOP = new HashMap<>();
    /** Held so that the level set stays: Selenium's note that it has no CDP for this Chromium is noise here. */
    static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

    @BeforeAll
    static void start() throws IOException {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            fail("the page test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)");
        }
        model = ServeFixture.model(dir.resolve("model"), 11);
        images = ServeFixture.images(dir.resolve("images"));
        server = FerryServer.start(options(), line -> {});
        // The API's answers, asked first: an idle client connection holds up the server's graceful
        // stop until it has been idle for a while (the browser's connections end when it quits).
        Http http = new Http(server.uri());
        for (Path image : images.subList(0, 3)) {
            API_TOP.put(image, apiTop(http, image));
        }

        // Both paths given: Selenium never looks for (or downloads) a browser or a driver.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        CDP_LOG.setLevel(Level.SEVERE);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--window-size=1280,900",
                "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, o);
    }

    @AfterAll
    static void stop() {
        // The browser first: the keep-alive connections it holds would make each server's graceful
        // stop wait for them to go idle.
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            try {
                if (guarded != null) {
                    guarded.close();
                }
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }

    @BeforeEach
    void freshPage() {
        // Each test starts without a token from the one before.
        if (driver.getCurrentUrl().startsWith("http")) {
            driver.executeScript("sessionStorage.clear()");
        }
    }

    static ServeOptions options() {
        return ServeOptions.defaults(List.of(new ServeOptions.Model("m", model))).withAddress("127.0.0.1", 0);
    }

    @Test
    void anUploadShowsTheClassesTheApiGivesAndTheCrop() throws IOException {
        Path image = images.get(0);
        open(server);
        waitForModels();
        assertTrue(text("#model-info").contains("resnet18"), text("#model-info"));
        assertTrue(text("#model-info").contains("3 classes"), text("#model-info"));
        assertTrue(text("#model-info").contains("64"), text("#model-info"));
        assertFalse(driver.findElement(By.id("auth")).isDisplayed(), "no token field on an open server");

        upload(image);
        List<WebElement> cards = waitForCards(1);
        assertEquals(1, cards.size());
        WebElement card = cards.get(0);
        assertEquals(image.getFileName().toString(), card.findElement(By.cssSelector(".name")).getText());
        assertTopMatchesApi(card, image);
        // Three classes: top_k 5 shows all three.
        assertEquals(3, card.findElements(By.cssSelector("ol.classes li")).size());

        WebElement crop = card.findElement(By.cssSelector("img.crop"));
        assertTrue(crop.getDomProperty("src").startsWith("data:image/png;base64,"), crop.getDomProperty("src"));
        new WebDriverWait(driver, WAIT).until(d -> natural(crop) > 0);
        assertEquals(64L, natural(crop), "the crop is drawn at the model's input size");
        assertEquals("pixelated", crop.getCssValue("image-rendering"));
        WebElement original = card.findElement(By.cssSelector("img.original"));
        assertTrue(original.getDomProperty("src").startsWith("blob:"), original.getDomProperty("src"));
        new WebDriverWait(driver, WAIT).until(d -> natural(original) > 0);
        assertEquals(300L, natural(original), "the original is the file itself (waves_300x260.png)");
        assertEquals("", text("#message"));
        assertFalse(driver.findElement(By.id("busy")).isDisplayed(), "#busy is hidden once answered");
    }

    @Test
    void aFileThatIsNoImageGetsAnErrorCardBesideTheGoodOne() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.png"), "these are notes, not a picture\n", StandardCharsets.UTF_8);
        Path image = images.get(1);
        open(server);
        waitForModels();
        upload(notes, image);
        List<WebElement> cards = waitForCards(2);
        assertEquals(2, cards.size());
        assertEquals(1, driver.findElements(By.cssSelector(".result .error")).size());
        WebElement bad = cards.get(0);
        assertEquals("notes.png", bad.findElement(By.cssSelector(".name")).getText());
        assertTrue(bad.findElement(By.cssSelector(".error")).getText().startsWith("notes.png"),
                bad.findElement(By.cssSelector(".error")).getText());
        assertTrue(bad.findElements(By.cssSelector(".top1")).isEmpty());
        WebElement good = cards.get(1);
        assertTrue(good.findElements(By.cssSelector(".error")).isEmpty());
        assertEquals(image.getFileName().toString(), good.findElement(By.cssSelector(".name")).getText());
        assertTopMatchesApi(good, image);
    }

    @Test
    void aRequestWithNoImageShowsTheServersMessage() throws IOException {
        Path notes = Files.writeString(dir.resolve("readme.png"), "not a picture either\n", StandardCharsets.UTF_8);
        open(server);
        waitForModels();
        upload(notes);
        WebElement message = driver.findElement(By.id("message"));
        new WebDriverWait(driver, WAIT).until(d -> !message.getText().isEmpty());
        // The whole request failed (400), named by the server: no card.
        assertTrue(message.getText().contains("400"), message.getText());
        assertTrue(message.getText().contains("readme.png: not an image"), message.getText());
        assertTrue(driver.findElements(By.cssSelector(".result")).isEmpty());
    }

    @Test
    void aServerWithATokenGetsOneThroughTheTokenField() throws IOException {
        guarded = FerryServer.start(options().withAccess("s3cret", null), line -> {});
        open(guarded);
        WebElement field = new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertTrue(text("#auth-reason").contains("bearer token"), text("#auth-reason"));
        assertTrue(driver.findElements(By.cssSelector("#model option")).isEmpty());
        field.sendKeys("s3cret");
        driver.findElement(By.id("token-save")).click();
        waitForModels();
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.id("auth")));

        Path image = images.get(2);
        upload(image);
        WebElement card = waitForCards(1).get(0);
        // The same model directory as the open server's, so the same answer.
        assertTopMatchesApi(card, image);

        // The token lasts the tab's session: a reload asks for nothing.
        driver.navigate().refresh();
        waitForModels();
        assertFalse(driver.findElement(By.id("auth")).isDisplayed(), "the token is kept in sessionStorage");
        driver.executeScript("sessionStorage.clear()");
    }

    // ---------------------------------------------------------------------------------------------

    static void open(FerryServer s) {
        driver.get(s.uri().toString());
        assertEquals("ferry", driver.getTitle());
    }

    static void waitForModels() {
        new WebDriverWait(driver, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#model option")));
    }

    static void upload(Path... files) {
        StringBuilder paths = new StringBuilder();
        for (Path p : files) {
            paths.append(paths.length() == 0 ? "" : "\n").append(p.toAbsolutePath());
        }
        driver.findElement(By.id("files")).sendKeys(paths.toString());
    }

    static List<WebElement> waitForCards(int n) {
        new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector(".result")).size() >= n
                || !d.findElement(By.id("message")).getText().isEmpty());
        String message = text("#message");
        assertEquals("", message, "the page reported an error");
        return driver.findElements(By.cssSelector(".result"));
    }

    /** The top class {@code POST /predict/m?top_k=5} gives for the file. */
    static JsonObject apiTop(Http http, Path image) throws IOException {
        HttpResponse<String> r = http.postFiles("/predict/m?top_k=5", List.of(image.getFileName().toString()),
                List.of(Files.readAllBytes(image)));
        assertEquals(200, r.statusCode(), r.body());
        JsonArray answer = JsonParser.parseString(r.body()).getAsJsonArray();
        return answer.get(0).getAsJsonObject().getAsJsonArray("top").get(0).getAsJsonObject();
    }

    /** The card's top class is the one {@code POST /predict/m?top_k=5} gives for the same file. */
    static void assertTopMatchesApi(WebElement card, Path image) {
        JsonObject top = API_TOP.get(image);
        String label = top.get("label").getAsString();
        double probability = top.get("probability").getAsDouble();

        assertEquals(label, card.findElement(By.cssSelector(".top1 .label")).getText());
        WebElement prob = card.findElement(By.cssSelector(".top1 .prob"));
        assertEquals(probability, Double.parseDouble(prob.getDomAttribute("data-probability")), 0.0, "the exact probability");
        // Shown as a percentage with one decimal (either rounding of a tie is fine).
        String shown = prob.getText();
        assertTrue(shown.matches("\\d{1,3}\\.\\d%"), shown);
        double percent = Double.parseDouble(shown.substring(0, shown.length() - 1));
        assertEquals(probability * 100, percent, 0.05 + 1e-9, "the probability as shown: " + shown);
    }

    static long natural(WebElement img) {
        Object w = ((JavascriptExecutor) driver).executeScript("return arguments[0].complete ? arguments[0].naturalWidth : 0", img);
        return ((Number) w).longValue();
    }

    static String text(String css) {
        return driver.findElement(By.cssSelector(css)).getText();
    }
}
