"""Invented passenger names for synthetic data, a modest pool per naming culture.

Every person the generator makes is fictional: a given name and a surname are drawn
independently from common-name pools, so a full name belongs to nobody in particular.
Surnames of well-known public figures were left out of the pools where noticed, so that
random pairs do not spell a famous person.

Where a culture writes its names in a script the console must render (Arabic, Cyrillic,
Ge'ez) each entry carries the native spelling next to the Latin one printed in the
passport; Latin-only cultures have ``native_name = None``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Script = Literal["arabic", "cyrillic", "geez"]
Sex = Literal["F", "M"]


@dataclass(frozen=True, slots=True)
class NamePart:
    latin: str
    native: str | None


@dataclass(frozen=True, slots=True)
class Culture:
    code: str
    script: Script | None
    male: tuple[NamePart, ...]
    female: tuple[NamePart, ...]
    surnames: tuple[NamePart, ...]
    # The surname is the father's given name (Eritrea, Ethiopia, Somalia, Mongolia,
    # South Sudan): children take the father's given name, a wife keeps her own.
    patronymic: bool = False
    wife_keeps_surname: bool = False
    # Russian and Bulgarian surnames in -ov/-ev/-in take -a for women.
    feminine_a: bool = False
    surname_first: bool = False  # order of the native full name


@dataclass(frozen=True, slots=True)
class PersonName:
    surname: str
    given_names: str
    native_name: str | None


def _parts(text: str) -> tuple[NamePart, ...]:
    """``"Latin = Native"`` per line, or comma-separated Latin-only names."""
    parts: list[NamePart] = []
    for line in text.strip().splitlines():
        if "=" in line:
            latin, native = (s.strip() for s in line.split("="))
            parts.append(NamePart(latin, native))
        else:
            parts.extend(NamePart(n.strip(), None) for n in line.split(",") if n.strip())
    return tuple(parts)


def _culture(code: str, script: Script | None, male: str, female: str, surnames: str | None,
             **flags: bool) -> Culture:
    m = _parts(male)
    return Culture(code, script, m, _parts(female), _parts(surnames) if surnames else m,
                   **flags)


_ARABIC = _culture(
    "arabic", "arabic",
    """
    Ahmad = أحمد
    Mohammad = محمد
    Omar = عمر
    Ali = علي
    Hassan = حسن
    Hussein = حسين
    Khaled = خالد
    Yousef = يوسف
    Ibrahim = إبراهيم
    Mahmoud = محمود
    Mustafa = مصطفى
    Abdullah = عبد الله
    Karim = كريم
    Sami = سامي
    Tariq = طارق
    Bilal = بلال
    Hamza = حمزة
    Rami = رامي
    Ziad = زياد
    Firas = فراس
    Walid = وليد
    Adnan = عدنان
    Karwan = كاروان
    Rebin = ريبين
    """,
    """
    Fatima = فاطمة
    Aisha = عائشة
    Maryam = مريم
    Noor = نور
    Layla = ليلى
    Huda = هدى
    Rania = رانيا
    Salma = سلمى
    Amal = أمل
    Hala = هالة
    Rasha = رشا
    Zainab = زينب
    Samira = سميرة
    Dina = دينا
    Lina = لينا
    Reem = ريم
    Yasmin = ياسمين
    Hiba = هبة
    Sara = سارة
    Shilan = شيلان
    """,
    """
    Al-Hassan = الحسن
    Al-Khatib = الخطيب
    Haddad = حداد
    Al-Hamad = الحمد
    Darwish = درويش
    Al-Jaber = الجابر
    Saleh = صالح
    Hamdan = حمدان
    Al-Obeidi = العبيدي
    Al-Tamimi = التميمي
    Nasser = ناصر
    Qassem = قاسم
    Mansour = منصور
    Al-Zoubi = الزعبي
    Shami = شامي
    Al-Rawi = الراوي
    Kanaan = كنعان
    Al-Saadi = السعدي
    Al-Shammari = الشمري
    Hijazi = حجازي
    Suleiman = سليمان
    Al-Jubouri = الجبوري
    Rashid = رشيد
    Aziz = عزيز
    """,
    wife_keeps_surname=True,
)

_MAGHREB = _culture(
    "maghreb", "arabic",
    """
    Mohamed = محمد
    Youssef = يوسف
    Said = سعيد
    Rachid = رشيد
    Abdelkader = عبد القادر
    Mustapha = مصطفى
    Hicham = هشام
    Karim = كريم
    Nourdine = نور الدين
    Hamid = حميد
    Driss = إدريس
    Brahim = إبراهيم
    """,
    """
    Fatima = فاطمة
    Khadija = خديجة
    Naima = نعيمة
    Malika = مليكة
    Samira = سميرة
    Latifa = لطيفة
    Zohra = زهرة
    Hafida = حفيظة
    Souad = سعاد
    Nadia = نادية
    """,
    """
    El Amrani = العمراني
    Benali = بنعلي
    Bouzid = بوزيد
    El Idrissi = الإدريسي
    Tahiri = الطاهري
    Bennani = بناني
    Ziani = الزياني
    Chakir = شاكر
    Lahlou = لحلو
    Belhaj = بلحاج
    El Fassi = الفاسي
    Ouali = والي
    """,
    wife_keeps_surname=True,
)

_PERSIAN = _culture(
    "persian", "arabic",
    """
    Reza = رضا
    Ali = علی
    Hossein = حسین
    Mehdi = مهدی
    Amir = امیر
    Hamid = حمید
    Saeed = سعید
    Farhad = فرهاد
    Behnam = بهنام
    Morteza = مرتضی
    Javad = جواد
    Ahmad = احمد
    Mohammad = محمد
    Nasir = نصیر
    Habib = حبیب
    Rahim = رحیم
    Wahid = وحید
    Naveed = نوید
    Omid = امید
    Sohrab = سهراب
    """,
    """
    Maryam = مریم
    Fatemeh = فاطمه
    Zahra = زهرا
    Leila = لیلا
    Shirin = شیرین
    Parisa = پریسا
    Nasrin = نسرین
    Mahsa = مهسا
    Sara = سارا
    Niloufar = نیلوفر
    Roya = رویا
    Soraya = ثریا
    Farzaneh = فرزانه
    Zainab = زینب
    Marzieh = مرضیه
    Fariba = فریبا
    Homa = هما
    Setareh = ستاره
    """,
    """
    Ahmadi = احمدی
    Hosseini = حسینی
    Mohammadi = محمدی
    Rezaei = رضایی
    Karimi = کریمی
    Rahimi = رحیمی
    Hashemi = هاشمی
    Jafari = جعفری
    Sadeghi = صادقی
    Moradi = مرادی
    Rostami = رستمی
    Azizi = عزیزی
    Nazari = نظری
    Haidari = حیدری
    Sultani = سلطانی
    Amiri = امیری
    Noori = نوری
    Habibi = حبیبی
    Sharifi = شریفی
    Yousefi = یوسفی
    Ebrahimi = ابراهیمی
    Ghasemi = قاسمی
    """,
    wife_keeps_surname=True,
)

_TIGRINYA = _culture(
    "tigrinya", "geez",
    """
    Tesfay = ተስፋይ
    Yonas = ዮናስ
    Dawit = ዳዊት
    Samuel = ሳሙኤል
    Mebrahtu = መብራህቱ
    Haile = ሃይለ
    Berhane = ብርሃነ
    Kidane = ኪዳነ
    Tekle = ተኽለ
    Yohannes = ዮሃንስ
    Amanuel = ኣማኑኤል
    Filmon = ፊልሞን
    Ermias = ኤርምያስ
    Habtom = ሃብቶም
    Mussie = ሙሴ
    Solomon = ሰሎሞን
    Tewelde = ተወልደ
    Goitom = ጎይቶም
    Kibrom = ክብሮም
    Biniam = ቢንያም
    """,
    """
    Selam = ሰላም
    Helen = ሄለን
    Senait = ሰናይት
    Rahel = ራሄል
    Saba = ሳባ
    Mehret = ምሕረት
    Tsega = ጸጋ
    Aster = ኣስቴር
    Luwam = ሉዋም
    Feven = ፌቨን
    Hiwet = ሕይወት
    Yordanos = ዮርዳኖስ
    Tirhas = ትርሓስ
    Semhar = ሰምሃር
    Winta = ዊንታ
    Freweini = ፍረወይኒ
    """,
    None,
    patronymic=True, wife_keeps_surname=True,
)

_AMHARIC = _culture(
    "amharic", "geez",
    """
    Abebe = አበበ
    Alemu = አለሙ
    Girma = ግርማ
    Tadesse = ታደሰ
    Mulugeta = ሙሉጌታ
    Getachew = ጌታቸው
    Kebede = ከበደ
    Tesfaye = ተስፋዬ
    Yared = ያሬድ
    Henok = ሄኖክ
    Bereket = በረከት
    Dereje = ደረጀ
    Endale = እንዳለ
    Worku = ወርቁ
    """,
    """
    Tigist = ትዕግስት
    Meseret = መሰረት
    Hirut = ሂሩት
    Bethlehem = ቤተልሄም
    Meron = ሜሮን
    Tsion = ጽዮን
    Almaz = አልማዝ
    Selamawit = ሰላማዊት
    Mekdes = መቅደስ
    Hanna = ሐና
    Eden = ኤደን
    Rediet = ረድኤት
    """,
    None,
    patronymic=True, wife_keeps_surname=True,
)

_UKRAINIAN = _culture(
    "ukrainian", "cyrillic",
    """
    Oleksandr = Олександр
    Andriy = Андрій
    Serhiy = Сергій
    Mykola = Микола
    Dmytro = Дмитро
    Yuriy = Юрій
    Oleh = Олег
    Vasyl = Василь
    Ihor = Ігор
    Taras = Тарас
    Bohdan = Богдан
    Petro = Петро
    Roman = Роман
    """,
    """
    Olena = Олена
    Oksana = Оксана
    Nataliya = Наталія
    Iryna = Ірина
    Tetiana = Тетяна
    Svitlana = Світлана
    Yuliia = Юлія
    Halyna = Галина
    Larysa = Лариса
    Kateryna = Катерина
    Mariia = Марія
    Nadiya = Надія
    Valentyna = Валентина
    """,
    """
    Kovalenko = Коваленко
    Bondarenko = Бондаренко
    Tkachenko = Ткаченко
    Kravchenko = Кравченко
    Oliynyk = Олійник
    Shevchuk = Шевчук
    Polishchuk = Поліщук
    Melnyk = Мельник
    Tkachuk = Ткачук
    Savchuk = Савчук
    Lysenko = Лисенко
    Marchenko = Марченко
    Rudenko = Руденко
    Moroz = Мороз
    Hrytsenko = Гриценко
    Pavlenko = Павленко
    Kovalchuk = Ковальчук
    Klymenko = Клименко
    """,
)

_RUSSIAN = _culture(
    "russian", "cyrillic",
    """
    Aleksandr = Александр
    Dmitriy = Дмитрий
    Sergey = Сергей
    Andrey = Андрей
    Aleksey = Алексей
    Ivan = Иван
    Nikolay = Николай
    Pavel = Павел
    Maksim = Максим
    Artem = Артём
    Ruslan = Руслан
    Aslan = Аслан
    Magomed = Магомед
    Islam = Ислам
    Zelimkhan = Зелимхан
    """,
    """
    Yelena = Елена
    Olga = Ольга
    Tatyana = Татьяна
    Irina = Ирина
    Natalya = Наталья
    Svetlana = Светлана
    Anna = Анна
    Marina = Марина
    Madina = Мадина
    Zarema = Зарема
    Larisa = Лариса
    Aminat = Аминат
    Kheda = Хеда
    """,
    """
    Ivanov = Иванов
    Smirnov = Смирнов
    Kuznetsov = Кузнецов
    Sokolov = Соколов
    Morozov = Морозов
    Volkov = Волков
    Fedorov = Федоров
    Nikitin = Никитин
    Zakharov = Захаров
    Belov = Белов
    Musayev = Мусаев
    Ibragimov = Ибрагимов
    Magomedov = Магомедов
    Khasanov = Хасанов
    Saidov = Саидов
    Yusupov = Юсупов
    """,
    feminine_a=True,
)

_BULGARIAN = _culture(
    "bulgarian", "cyrillic",
    """
    Georgi = Георги
    Ivan = Иван
    Dimitar = Димитър
    Nikolay = Николай
    Hristo = Христо
    Stoyan = Стоян
    Petar = Петър
    Todor = Тодор
    Angel = Ангел
    Kiril = Кирил
    Plamen = Пламен
    Asen = Асен
    """,
    """
    Mariya = Мария
    Ivanka = Иванка
    Elena = Елена
    Desislava = Десислава
    Gergana = Гергана
    Tsvetelina = Цветелина
    Radka = Радка
    Silviya = Силвия
    Yordanka = Йорданка
    Petya = Петя
    Milena = Милена
    Stanislava = Станислава
    """,
    """
    Georgiev = Георгиев
    Dimitrov = Димитров
    Petrov = Петров
    Nikolov = Николов
    Stoyanov = Стоянов
    Todorov = Тодоров
    Angelov = Ангелов
    Iliev = Илиев
    Marinov = Маринов
    Kolev = Колев
    Yordanov = Йорданов
    Hristov = Христов
    Atanasov = Атанасов
    Petkov = Петков
    """,
    feminine_a=True,
)

_SERBIAN = _culture(
    "serbian", "cyrillic",
    """
    Nikola = Никола
    Marko = Марко
    Stefan = Стефан
    Milan = Милан
    Dragan = Драган
    Zoran = Зоран
    Nenad = Ненад
    Dejan = Дејан
    Miloš = Милош
    Goran = Горан
    Bojan = Бојан
    Aleksandar = Александар
    Saša = Саша
    """,
    """
    Jelena = Јелена
    Milica = Милица
    Ana = Ана
    Marija = Марија
    Snežana = Снежана
    Dragana = Драгана
    Ivana = Ивана
    Tijana = Тијана
    Jovana = Јована
    Gordana = Гордана
    Vesna = Весна
    Svetlana = Светлана
    """,
    """
    Jovanović = Јовановић
    Petrović = Петровић
    Nikolić = Николић
    Marković = Марковић
    Đorđević = Ђорђевић
    Stojanović = Стојановић
    Ilić = Илић
    Stanković = Станковић
    Pavlović = Павловић
    Popović = Поповић
    Kostić = Костић
    Ristić = Ристић
    Savić = Савић
    Tomić = Томић
    Mitrović = Митровић
    Lazić = Лазић
    """,
)

_MONGOLIAN = _culture(
    "mongolian", "cyrillic",
    """
    Bat-Erdene = Бат-Эрдэнэ
    Ganbold = Ганболд
    Bold = Болд
    Batbayar = Батбаяр
    Erdene = Эрдэнэ
    Tumur = Төмөр
    Ganzorig = Ганзориг
    Temuulen = Тэмүүлэн
    Munkh-Erdene = Мөнх-Эрдэнэ
    Otgonbayar = Отгонбаяр
    Gantulga = Гантулга
    Naranbaatar = Наранбаатар
    Dorj = Дорж
    Purevdorj = Пүрэвдорж
    """,
    """
    Oyuntsetseg = Оюунцэцэг
    Narantuya = Нарантуяа
    Bolormaa = Болормаа
    Enkhjargal = Энхжаргал
    Sarangerel = Сарангэрэл
    Altantsetseg = Алтанцэцэг
    Tsetsegmaa = Цэцэгмаа
    Khulan = Хулан
    Anujin = Анужин
    Gerelmaa = Гэрэлмаа
    Nomin = Номин
    Uyanga = Уянга
    """,
    None,
    patronymic=True, wife_keeps_surname=True, surname_first=True,
)

# Latin-only cultures: passports and telexes use the Latin spelling, native_name is None.
_ALBANIAN = _culture(
    "albanian", None,
    "Arben, Besnik, Dritan, Ergys, Fatos, Gentian, Klodian, Luan, Mirel, Olsi, Redon, "
    "Sokol, Valmir, Ardit, Erion",
    "Anila, Blerina, Dorina, Elona, Enkelejda, Flutura, Gentiana, Ilda, Jonida, Klea, "
    "Lindita, Manjola, Rudina, Xhesika, Alketa",
    "Gashi, Krasniqi, Shehu, Dervishi, Leka, Kola, Marku, Prifti, Cela, Dushku, Hysa, "
    "Muça, Beqiri, Bajrami, Lika, Zeneli, Malaj",
)
_BOSNIAN = _culture(
    "bosnian", None,
    "Adnan, Emir, Amir, Haris, Kenan, Mirza, Nermin, Edin, Samir, Senad, Jasmin, Elvis",
    "Amra, Lejla, Selma, Aida, Emina, Azra, Mirela, Jasmina, Sanela, Elma, Alma, Nermina",
    "Hodžić, Hadžić, Begić, Delić, Kovačević, Mehmedović, Husić, Omerović, Ahmetović, "
    "Mujić, Salihović, Hasanović, Halilović, Alić, Bešić",
)
_GEORGIAN = _culture(
    "georgian", None,
    "Giorgi, Davit, Levan, Irakli, Zurab, Nikoloz, Tamaz, Giga, Lasha, Besik, Goga, Vakhtang",
    "Nino, Tamar, Mariam, Ketevan, Natia, Eka, Salome, Lela, Manana, Tinatin, Maia, Sopho",
    "Beridze, Kapanadze, Gelashvili, Maisuradze, Giorgadze, Lomidze, Tsiklauri, Bolkvadze, "
    "Nozadze, Mchedlishvili, Jikia, Chkheidze, Kiknadze, Gogoladze, Tabatadze",
)
_ARMENIAN = _culture(
    "armenian", None,
    "Aram, Armen, Davit, Gevorg, Hayk, Levon, Narek, Vahe, Artur, Ashot, Arsen, Vardan",
    "Anahit, Ani, Armine, Gayane, Hasmik, Lilit, Mane, Nare, Siranush, Tatevik, Zara, Lusine",
    "Harutyunyan, Grigoryan, Hovhannisyan, Petrosyan, Khachatryan, Hakobyan, Vardanyan, "
    "Gevorgyan, Mkrtchyan, Avetisyan, Poghosyan, Ghazaryan, Manukyan, Martirosyan",
)
_HUNGARIAN = _culture(
    "hungarian", None,
    "László, István, Zoltán, Gábor, Attila, Tamás, Péter, Sándor, János, Csaba, Norbert",
    "Erzsébet, Katalin, Ildikó, Zsuzsanna, Mónika, Krisztina, Anita, Szilvia, Edina, Beáta",
    "Nagy, Kovács, Tóth, Szabó, Horváth, Varga, Kiss, Molnár, Németh, Farkas, Balogh, "
    "Lakatos, Oláh, Rácz",
)
_ROMANIAN = _culture(
    "romanian", None,
    "Andrei, Alexandru, Ionuț, Mihai, Florin, Marian, Cristian, Adrian, Gheorghe, Vasile, "
    "Sorin, Ion",
    "Maria, Elena, Ioana, Andreea, Mihaela, Alina, Cristina, Florentina, Daniela, Gabriela, "
    "Ramona, Georgiana",
    "Popescu, Ionescu, Popa, Stan, Dumitru, Stoica, Matei, Ciobanu, Rusu, Munteanu, Lungu, "
    "Moldovan, Dinu, Radu",
)
_NIGERIAN = _culture(
    "nigerian", None,
    "Chinedu, Emeka, Oluwaseun, Tunde, Ifeanyi, Obinna, Chukwuemeka, Babatunde, Segun, Uche, "
    "Kelechi, Ikenna, Godwin, Sunday",
    "Ngozi, Chioma, Adaeze, Funmilayo, Blessing, Oluwakemi, Yetunde, Amaka, Ifeoma, "
    "Chiamaka, Joy, Precious, Esther, Bukola",
    "Okafor, Okeke, Adeyemi, Ogunleye, Eze, Nwosu, Adebayo, Okonkwo, Olawale, Chukwu, "
    "Ogbonna, Adewale, Nwachukwu, Akinola",
)
_GHANAIAN = _culture(
    "ghanaian", None,
    "Kwame, Kofi, Kwabena, Yaw, Kojo, Kwaku, Emmanuel, Isaac, Daniel, Ebenezer",
    "Ama, Akosua, Efua, Abena, Adwoa, Afua, Yaa, Esi, Comfort, Gifty",
    "Mensah, Owusu, Boateng, Asante, Osei, Appiah, Agyeman, Ofori, Amoah, Darko, Addo, Quaye",
)
_SIERRA_LEONEAN = _culture(
    "sierra_leonean", None,
    "Mohamed, Ibrahim, Abu, Alhaji, Sahr, Foday, Sorie, Lansana, Musa, Joseph",
    "Fatmata, Isatu, Mariama, Aminata, Hawa, Kadiatu, Zainab, Adama, Christiana, Mabinty",
    "Kamara, Sesay, Conteh, Bangura, Turay, Kargbo, Jalloh, Mansaray, Fofanah, Kanu, Bah",
)
_INDONESIAN = _culture(
    "indonesian", None,
    "Agus, Budi, Dedi, Eko, Hendra, Rudi, Slamet, Wahyu, Yusuf, Andi, Iwan",
    "Siti, Dewi, Sri, Nur, Ayu, Rina, Wati, Yuni, Indah, Ratna, Fitri",
    "Setiawan, Susanto, Hidayat, Saputra, Wijaya, Kurniawan, Pratama, Santoso, Nugroho, "
    "Hartono, Gunawan",
)
_FILIPINO = _culture(
    "filipino", None,
    "Jose, Juan, Mark, John Paul, Ramon, Rodel, Jericho, Arnel, Danilo, Noel, Rey",
    "Maria Cristina, Rowena, Marites, Jocelyn, Rosalie, Lorna, Maricel, Analyn, Lovely, "
    "Mary Grace, Jennifer",
    "Santos, Reyes, Cruz, Bautista, Ocampo, Garcia, Mendoza, Torres, Tolentino, Villanueva, "
    "Dela Cruz, Ramos, Castillo, Flores",
)
_COLOMBIAN = _culture(
    "colombian", None,
    "Juan Carlos, Andrés, Luis Fernando, Carlos Andrés, Jhon Jairo, Diego, Sebastián, "
    "Santiago, Julián, Camilo, Jorge, Óscar",
    "María José, Luisa Fernanda, Paola, Daniela, Valentina, Natalia, Diana Marcela, "
    "Catalina, Laura, Yuliana, Carolina, Sandra",
    "García Ospina, Rodríguez Castro, Martínez Díaz, López Restrepo, González Vargas, "
    "Hernández Mosquera, Ramírez Cardona, Gómez Zapata, Díaz López, Vargas Gómez",
    wife_keeps_surname=True,
)
_SOMALI = _culture(
    "somali", None,
    "Abdi, Abdirahman, Abdullahi, Ahmed, Ali, Hassan, Mohamed, Mohamud, Omar, Yusuf, "
    "Ismail, Farah, Liban, Said, Abdiwali, Guled",
    "Amina, Asha, Faduma, Hodan, Ifrah, Khadija, Deqa, Hawa, Halima, Sahra, Muna, Ayan, "
    "Nasra, Ubah",
    None,
    patronymic=True, wife_keeps_surname=True,
)
_GREAT_LAKES = _culture(
    "great_lakes", None,
    "Jean, Pierre, Patrick, Emmanuel, Joseph, Innocent, Eric, Claude, Fabrice, Olivier, "
    "Jean-Claude, Didier, Alain, Bienvenu, Dieudonné, Espoir",
    "Marie, Espérance, Chantal, Claudine, Jeanne, Grace, Joséphine, Aline, Solange, "
    "Béatrice, Immaculée, Divine, Furaha, Neema",
    "Mukendi, Kabongo, Ilunga, Tshibangu, Mbuyi, Kasongo, Lukusa, Ngoy, Kalonji, Niyonzima, "
    "Hakizimana, Nshimirimana, Habimana, Uwimana, Bizimana, Irakoze, Ndikumana",
    wife_keeps_surname=True,
)
_SOUTH_SUDANESE = _culture(
    "south_sudanese", None,
    "Deng, Majok, Malual, Akol, Chol, Kuol, Lual, Bol, Mabil, Thon, Gatluak, Ruot, Gatwech, "
    "Kuany, Manyang",
    "Nyandeng, Achol, Abuk, Ayen, Nyabol, Adut, Aluel, Nyakuma, Nyaluak, Akuol, Ajok, Nyagoa",
    None,
    patronymic=True, wife_keeps_surname=True,
)
_EAST_AFRICAN = _culture(
    "east_african", None,
    "Brian, Kevin, Dennis, Moses, Joseph, Peter, Samuel, Isaac, Ronald, Collins",
    "Faith, Mercy, Esther, Grace, Caroline, Joyce, Brenda, Sharon, Winnie, Agnes",
    "Otieno, Odhiambo, Kamau, Mwangi, Wanjiru, Ochieng, Mugisha, Okello, Kiprono, Mutua, "
    "Wekesa, Namusoke",
)
_BURMESE = _culture(
    "burmese", None,
    "Saw Htoo, Saw Eh Doh, Thang Lian, Van Lal, Kyaw Min, Aung Ko, Zaw Win, Tun Tun, "
    "Htoo Wah, Lal Ram",
    "Naw Paw, Naw Eh Htoo, Cing Sian, Par Tha, Mu Mu, Hla Hla, Nan Hsu, Aye Aye, Sui Par",
    "Thang, Lian, Hmung, Sang, Bawi, Htoo, Paw, Sein, Win, Mawi",
)

CULTURES: dict[str, Culture] = {c.code: c for c in (
    _ARABIC, _MAGHREB, _PERSIAN, _TIGRINYA, _AMHARIC, _UKRAINIAN, _RUSSIAN, _BULGARIAN,
    _SERBIAN, _MONGOLIAN, _ALBANIAN, _BOSNIAN, _GEORGIAN, _ARMENIAN, _HUNGARIAN, _ROMANIAN,
    _NIGERIAN, _GHANAIAN, _SIERRA_LEONEAN, _INDONESIAN, _FILIPINO, _COLOMBIAN, _SOMALI,
    _GREAT_LAKES, _SOUTH_SUDANESE, _EAST_AFRICAN, _BURMESE,
)}

# ISO 3166-1 alpha-3 nationality -> naming culture.
NATIONALITY_CULTURE: dict[str, str] = {
    "SYR": "arabic", "IRQ": "arabic", "SDN": "arabic", "EGY": "arabic", "JOR": "arabic",
    "LBN": "arabic", "YEM": "arabic", "LBY": "arabic",
    "MAR": "maghreb", "DZA": "maghreb", "TUN": "maghreb",
    "IRN": "persian", "AFG": "persian",
    "ERI": "tigrinya", "ETH": "amharic",
    "UKR": "ukrainian", "RUS": "russian", "BGR": "bulgarian", "SRB": "serbian",
    "MNG": "mongolian",
    "ALB": "albanian", "BIH": "bosnian", "GEO": "georgian", "ARM": "armenian",
    "HUN": "hungarian", "ROU": "romanian", "MDA": "romanian",
    "NGA": "nigerian", "GHA": "ghanaian", "SLE": "sierra_leonean",
    "IDN": "indonesian", "PHL": "filipino", "COL": "colombian",
    "SOM": "somali", "COD": "great_lakes", "BDI": "great_lakes", "RWA": "great_lakes",
    "SSD": "south_sudanese", "KEN": "east_african", "UGA": "east_african",
    "MMR": "burmese",
}


def culture_of(nationality: str) -> Culture:
    return CULTURES[NATIONALITY_CULTURE[nationality]]


def given_name(rng: random.Random, culture: Culture, sex: Sex) -> NamePart:
    return rng.choice(culture.female if sex == "F" else culture.male)


def random_surname(rng: random.Random, culture: Culture) -> NamePart:
    return rng.choice(culture.surnames)


def _feminine(part: NamePart) -> NamePart:
    latin, native = part.latin, part.native
    if latin.endswith(("ov", "ev", "in")):
        latin += "a"
        if native is not None:
            native += "а"
    return NamePart(latin, native)


def compose(culture: Culture, given: NamePart, surname: NamePart, sex: Sex) -> PersonName:
    """Passport-style surname and given names, plus the native full name if any."""
    if culture.feminine_a and sex == "F":
        surname = _feminine(surname)
    native: str | None = None
    if culture.script is not None and given.native and surname.native:
        native = (f"{surname.native} {given.native}" if culture.surname_first
                  else f"{given.native} {surname.native}")
    return PersonName(surname.latin, given.latin, native)
